"""Configuration precedence: argument > MREG_URL/MREG_TOKEN > config file > default, and the file's format."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import mreg
from mreg import config
from tests.support import SECURED_URL, TOKEN, RegistryTestCase


class ConfigTest(RegistryTestCase):
    def write_file(self, values: dict, base: Path) -> Path:  # type: ignore[type-arg]
        path = base / "mreg" / "config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        return path

    def test_defaults_when_nothing_is_set(self) -> None:
        settings = mreg.Registry().settings
        self.assertEqual((settings.url, settings.url_source), ("http://127.0.0.1:8080", "default"))
        self.assertEqual((settings.token, settings.token_source), (None, "none"))
        self.assertEqual(settings.config_file, self.home / ".config" / "mreg" / "config.json")

    def test_the_file_under_home_then_under_xdg_config_home(self) -> None:
        home_file = self.write_file({"url": "http://home.example:1/", "token": "t-home"}, self.home / ".config")
        settings = mreg.Registry().settings
        self.assertEqual((settings.url, settings.url_source), ("http://home.example:1", str(home_file)))
        self.assertEqual((settings.token, settings.token_source), ("t-home", str(home_file)))
        xdg_file = self.write_file({"url": "http://xdg.example:2"}, self.tmp / "xdg")
        os.environ["XDG_CONFIG_HOME"] = str(self.tmp / "xdg")
        settings = mreg.Registry().settings
        self.assertEqual((settings.url, settings.url_source), ("http://xdg.example:2", str(xdg_file)))
        self.assertEqual((settings.token, settings.token_source), (None, "none"))  # only that file counts now

    def test_environment_beats_the_file_and_arguments_beat_both(self) -> None:
        self.write_file({"url": "http://file.example:1", "token": "t-file"}, self.home / ".config")
        os.environ.update(MREG_URL="http://env.example:2", MREG_TOKEN="t-env")
        settings = mreg.Registry().settings
        self.assertEqual(
            (settings.url, settings.url_source, settings.token_source),
            ("http://env.example:2", "MREG_URL", "MREG_TOKEN"),
        )
        settings = mreg.Registry("http://arg.example:3", "t-arg").settings
        self.assertEqual(
            (settings.url, settings.token, settings.url_source), ("http://arg.example:3", "t-arg", "argument")
        )
        os.environ["MREG_TOKEN"] = ""  # an empty variable counts as unset
        self.assertEqual(mreg.Registry().settings.token, "t-file")

    def test_each_source_really_is_what_is_sent(self) -> None:
        self.write_file({"url": SECURED_URL, "token": TOKEN}, self.home / ".config")
        with mreg.Registry() as registry:
            list(registry.models())  # the file's URL and token
        os.environ["MREG_TOKEN"] = "wrong"
        with mreg.Registry() as registry, self.assertRaises(mreg.Unauthorized):
            list(registry.models())  # the environment's token wins over the file's
        with mreg.Registry(token=TOKEN) as registry:
            list(registry.models())  # the argument wins over the environment

    def test_a_broken_file_is_named(self) -> None:
        path = self.home / ".config" / "mreg" / "config.json"
        path.parent.mkdir(parents=True)
        for text in ("{not json", "[1]", '{"url": 5}'):
            path.write_text(text)
            with self.assertRaises(mreg.ConfigError) as caught:
                mreg.Registry()
            self.assertIn(str(path), str(caught.exception))
        # Not read at all when arguments or the environment settle both values.
        self.assertEqual(mreg.Registry("http://a.example:1", "t").settings.url, "http://a.example:1")

    def test_written_owner_only_keeping_other_keys(self) -> None:
        path = config.config_path()
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps({"url": "http://old.example:1", "theme": "dark"}))
        written = config.write_config({"url": "http://new.example:2", "token": "secret-token-1234"})
        self.assertEqual(written, path)
        self.assertEqual(
            json.loads(path.read_text()), {"url": "http://new.example:2", "theme": "dark", "token": "secret-token-1234"}
        )
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(path.parent.stat().st_mode), 0o700)
        self.assertEqual(config.mask("secret-token-1234"), "****1234")
