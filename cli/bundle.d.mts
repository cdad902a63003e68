/** Types of bundle.mjs (plain JS, so the bin can load it without TypeScript). */
export declare const BUNDLE: string;
export declare function bundleCli(outfile?: string): Promise<string>;
