/** The UI's entry: reads the server's config from the page, then renders the app. */
import { render } from 'preact';
import { App } from './app.js';
import { readConfig } from './config.js';
import { interceptLinks } from './router.js';
import './styles.css';

interceptLinks();
const root = document.getElementById('app');
if (root) render(<App config={readConfig()} />, root);
