"""``python3 -m mreg``: the command line, mirroring the Node CLI's commands.

Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 authentication or authorization, 5 integrity.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import __version__, config
from .display import ProgressLine, emit_json, human_size, table
from .errors import Forbidden, IntegrityError, MregError, NotFound, Unauthorized, Unavailable
from .registry import Registry

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_AUTH, EXIT_INTEGRITY = 0, 1, 2, 3, 4, 5

EPILOG = """examples:
  python3 -m mreg push fraud ./model --label 1.2.0 --create
  python3 -m mreg pull fraud@champion ./fraud
  python3 -m mreg alias set fraud champion 3
  python3 -m mreg runs create churn --name baseline --param lr=0.01
  python3 -m mreg metrics log RUN_ID loss=0.25 accuracy=0.9 --step 10

exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 authentication/authorization, 5 integrity"""


class UsageError(Exception):
    """A command line that parses but cannot be right (exit 2)."""


def pairs(values: Optional[List[str]], parse: Callable[[str], Any] = str) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"expected KEY=VALUE, got {item!r}")
        out[key] = parse(value)
    return out


def json_or_text(text: str) -> Any:
    """``--property k=json``: the value as JSON, or the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def model_ref(spec: str, ref: Optional[str] = None, default: str = "latest") -> Tuple[str, str]:
    """``MODEL@REF`` (model names cannot hold ``@``), or ``MODEL`` with REF given apart."""
    model, sep, at = spec.partition("@")
    if sep and ref:
        raise UsageError(f"give the reference once: {spec!r} and {ref!r}")
    return model, (at if sep else ref or default)


# ---- commands ----


def cmd_models(reg: Registry, a: argparse.Namespace) -> int:
    if a.action == "ls":
        items = list(reg.models(a.filter))
        if a.json:
            emit_json(items)
        else:
            rows = [
                (m["name"], m.get("state"), m.get("owner"), _pairs(m.get("tags")), m.get("updatedAt")) for m in items
            ]
            table(["name", "state", "owner", "tags", "updated"], rows)
    elif a.action == "show":
        emit_json(reg.model(a.name))
    elif a.action == "create":
        model = reg.create_model(
            a.name, description=a.description, tags=pairs(a.tag), properties=pairs(a.property, json_or_text) or None
        )
        _done(a, model, f"created model {model['name']}")
    elif a.action == "rm":
        reg.delete_model(a.name, force=a.force)
        _done(a, {"deleted": a.name}, f"deleted model {a.name}")
    return EXIT_OK


def cmd_versions(reg: Registry, a: argparse.Namespace) -> int:
    if a.action == "ls":
        items = list(reg.versions(a.model, a.filter))
        if a.json:
            emit_json(items)
        else:
            rows = [
                (
                    v["version"],
                    v.get("state"),
                    v.get("label", ""),
                    v.get("approval"),
                    len(v.get("files", [])),
                    human_size(sum(f.get("size", 0) for f in v.get("files", []))),
                    v.get("createdAt"),
                )
                for v in items
            ]
            table(["version", "state", "label", "approval", "files", "size", "created"], rows)
        return EXIT_OK
    model, ref = model_ref(a.model, a.ref)
    if a.action == "show":
        emit_json(reg.version(model, ref))
    elif a.action == "rm":
        reg.delete_version(model, ref)
        _done(a, {"deleted": f"{model}@{ref}"}, f"deleted {model}@{ref}")
    elif a.action == "archive":
        version = reg.archive_version(model, ref)
        _done(a, version, f"archived {model} version {version['version']}")
    return EXIT_OK


def cmd_alias(reg: Registry, a: argparse.Namespace) -> int:
    if a.action == "set":
        alias = reg.set_alias(a.model, a.alias, a.version)
        _done(a, alias, f"{a.model}@{alias['alias']} -> version {alias['version']}")
    elif a.action == "rm":
        reg.delete_alias(a.model, a.alias)
        _done(a, {"deleted": a.alias}, f"removed alias {a.alias} of {a.model}")
    elif a.action == "history":
        moves = list(reg.alias_history(a.model, a.alias))
        if a.json:
            emit_json(moves)
        else:
            table(
                ["at", "actor", "from", "to"],
                [(m.get("at"), m.get("actor"), m.get("from"), m.get("to")) for m in moves],
            )
    return EXIT_OK


def cmd_push(reg: Registry, a: argparse.Namespace) -> int:
    if a.ttl is not None and not a.transient:
        raise UsageError("--ttl applies to --transient versions")
    if a.transient and a.ttl is None:
        raise UsageError("--transient needs --ttl (e.g. --ttl 1h)")
    line = ProgressLine("uploading", 0, enabled=None if not a.quiet else False)
    sent = {"bytes": 0, "total": 0}

    def progress(event: Any) -> None:
        if event.get("event") == "hashed":
            line.total += int(event.get("bytes", 0))
            sent["total"] += int(event.get("bytes", 0))
        if event.get("event") in ("part", "file"):
            sent["bytes"] += int(event.get("bytes", 0))
        line(event)

    try:
        version = reg.push(
            a.model,
            a.paths,
            label=a.label,
            tags=pairs(a.tag) or None,
            properties=pairs(a.property, json_or_text) or None,
            run_id=a.run,
            transient=a.transient,
            ttl=a.ttl,
            description=a.description,
            format=a.format,
            create=a.create,
            concurrency=a.concurrency,
            progress=progress,
        )
    except NotFound as e:
        if not a.create and e.detail.startswith("model"):
            e.detail += " (add --create to register it)"
        raise
    finally:
        line.finish()
    summary = (
        f"{version['model']} version {version['version']} {version['state']}: {len(version.get('files', []))} files,"
        f" {human_size(sent['total'])}, sent {human_size(sent['bytes'])}"
    )
    _done(a, version, summary)
    return EXIT_OK


def cmd_pull(reg: Registry, a: argparse.Namespace) -> int:
    model, ref = model_ref(a.model)
    version = reg.pull(model, ref, a.dest)
    files = version.get("files", [])
    if not files and version.get("source"):
        _done(a, version, f"{model} version {version['version']} is a reference to {version['source']}")
        return EXIT_OK
    total = sum(f.get("size", 0) for f in files)
    _done(
        a,
        version,
        f"{model} version {version['version']} -> {a.dest}: {len(files)} files, {human_size(total)}, verified",
    )
    return EXIT_OK


def cmd_runs(reg: Registry, a: argparse.Namespace) -> int:
    if a.action == "ls":
        runs = list(reg.runs(a.experiment))
        if a.json:
            emit_json(runs)
        else:
            table(
                ["id", "name", "status", "started", "ended"],
                [(r["id"], r.get("name"), r.get("status"), r.get("startTime"), r.get("endTime")) for r in runs],
            )
    elif a.action == "show":
        emit_json(reg.run(a.run))
    elif a.action == "create":
        run = reg.start_run(a.experiment, a.name, params=pairs(a.param) or None, tags=pairs(a.tag) or None)
        # The command creates the run; `runs finish` ends it, so it is not ended at exit.
        run.detach()
        _done(a, run.info, run.id)
    elif a.action == "finish":
        run_info = reg.finish_run(a.run, a.status)
        _done(a, run_info, f"run {a.run} {run_info.get('status')}")
    return EXIT_OK


def cmd_metrics(reg: Registry, a: argparse.Namespace) -> int:
    if a.action == "log":
        values = pairs(a.values, float)
        if not values:
            raise UsageError("give at least one KEY=VALUE")
        reg.log_metrics(a.run, values, step=a.step)
        _done(a, {"logged": len(values)}, f"logged {len(values)} metric(s) at step {a.step}")
    elif a.action == "history":
        points = list(reg.metric_history(a.run, a.key))
        if a.json:
            emit_json(points)
        else:
            table(["step", "value", "timestamp"], [(p.get("step"), p.get("value"), p.get("timestamp")) for p in points])
    return EXIT_OK


def cmd_login(reg: Registry, a: argparse.Namespace) -> int:
    url = a.url or reg.url
    token = a.token
    if token == "-":
        token = sys.stdin.readline().strip()
    elif token is None and sys.stdin.isatty():
        token = getpass.getpass(f"token for {url} (empty for none): ").strip()
    checked = Registry(url, token or None, retries=1)
    try:
        next(iter(checked.models(page_size=1)), None)
    finally:
        checked.close()
    path = config.write_config({"url": url, "token": token or None})
    _done(a, {"url": url, "configFile": str(path)}, f"logged in to {url}; saved to {path}")
    return EXIT_OK


def cmd_config(reg: Registry, a: argparse.Namespace) -> int:
    s = reg.settings
    shown = {
        "url": {"value": s.url, "source": s.url_source},
        "token": {"value": config.mask(s.token), "source": s.token_source},
        "configFile": str(s.config_file),
        "cacheDir": str(reg.cache_dir),
    }
    if a.json:
        emit_json(shown)
    else:
        table(
            ["setting", "value", "source"],
            [
                ("url", s.url, s.url_source),
                ("token", config.mask(s.token), s.token_source),
                ("config file", str(s.config_file), ""),
                ("cache dir", str(reg.cache_dir), ""),
            ],
        )
    return EXIT_OK


def cmd_status(reg: Registry, a: argparse.Namespace) -> int:
    started = time.monotonic()
    health = reg.health()
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    next(iter(reg.models(page_size=1)), None)  # proves the token is accepted
    status = {
        "url": reg.url,
        "source": reg.settings.url_source,
        "health": health,
        "latencyMs": latency_ms,
        "authorized": True,
    }
    _done(a, status, f"{reg.url} ({reg.settings.url_source}): {health.get('status')}, {latency_ms} ms, token accepted")
    return EXIT_OK


def _pairs(values: Optional[Dict[str, Any]]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((values or {}).items()))


def _done(a: argparse.Namespace, value: Any, text: str) -> None:
    if a.json:
        emit_json(value)
    elif not a.quiet:
        print(text)


# ---- parsing ----


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", default=argparse.SUPPRESS, help="registry URL (else MREG_URL, the config file, the default)"
    )
    common.add_argument("--token", default=argparse.SUPPRESS, help="bearer token (else MREG_TOKEN, the config file)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    common.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print nothing on success"
    )

    root = argparse.ArgumentParser(
        prog="python3 -m mreg",
        description="The mreg model registry from Python: push, pull, aliases, runs and metrics.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    root.add_argument("--version", action="version", version=f"mreg (python) {__version__}")
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def group(name: str, help: str, handler: Callable[[Registry, argparse.Namespace], int]) -> Any:
        p = commands.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def leaf(
        parent: Any, name: str, help: str, handler: Optional[Callable[..., int]] = None
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help, description=help, parents=[common])
        if handler is not None:
            p.set_defaults(handler=handler)
        return p  # type: ignore[no-any-return]

    models = group("models", "list, show, create and delete models", cmd_models)
    p = leaf(models, "ls", "list models")
    p.add_argument("--filter", help="e.g. name^=fr, tags.team=risk, state=LIVE")
    leaf(models, "show", "show a model").add_argument("name")
    p = leaf(models, "create", "register a model")
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--tag", action="append", metavar="K=V")
    p.add_argument("--property", action="append", metavar="K=JSON")
    p = leaf(models, "rm", "delete a model")
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help="delete its versions too")

    versions = group("versions", "list, show, delete and archive versions", cmd_versions)
    p = leaf(versions, "ls", "list a model's versions, newest first")
    p.add_argument("model")
    p.add_argument("--filter", help="e.g. tags.k=v, runId=..., state=READY")
    for name, help in (("show", "show a version"), ("rm", "delete a version"), ("archive", "archive a version")):
        p = leaf(versions, name, help)
        p.add_argument("model", metavar="MODEL[@REF]")
        p.add_argument("ref", nargs="?", help="number, -k, latest, alias, alias:A or label:L (default latest)")

    alias = group("alias", "set, remove and trace aliases", cmd_alias)
    p = leaf(alias, "set", "point an alias at a version")
    p.add_argument("model")
    p.add_argument("alias")
    p.add_argument("version", type=int)
    for name, help in (("rm", "remove an alias"), ("history", "every move of an alias")):
        p = leaf(alias, name, help)
        p.add_argument("model")
        p.add_argument("alias")

    p = commands.add_parser("push", help="push files as a new version", parents=[common])
    p.set_defaults(handler=cmd_push)
    p.add_argument("model")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--label")
    p.add_argument("--tag", action="append", metavar="K=V")
    p.add_argument("--property", action="append", metavar="K=JSON")
    p.add_argument("--run", metavar="RUN_ID", help="the run that produced it")
    p.add_argument("--transient", action="store_true", help="a version that expires (needs --ttl)")
    p.add_argument("--ttl", help="e.g. 30m, 1h, 2d")
    p.add_argument("--create", action="store_true", help="register the model if it does not exist")
    p.add_argument("--description")
    p.add_argument("--format", help="e.g. onnx, safetensors")
    p.add_argument("--concurrency", type=int, default=8, help="parallel uploads (default 8)")

    p = commands.add_parser("pull", help="download a version, verified", parents=[common])
    p.set_defaults(handler=cmd_pull)
    p.add_argument("model", metavar="MODEL[@REF]")
    p.add_argument("dest", nargs="?", default=".", metavar="DEST")

    runs = group("runs", "list, show, create and finish runs", cmd_runs)
    leaf(runs, "ls", "an experiment's runs").add_argument("experiment")
    leaf(runs, "show", "show a run").add_argument("run")
    p = leaf(runs, "create", "start a run (created experiment if needed); prints its id")
    p.add_argument("experiment")
    p.add_argument("--name")
    p.add_argument("--param", action="append", metavar="K=V")
    p.add_argument("--tag", action="append", metavar="K=V")
    p = leaf(runs, "finish", "end a run")
    p.add_argument("run")
    p.add_argument("--status", default="FINISHED", choices=["FINISHED", "FAILED", "KILLED"])

    metrics = group("metrics", "log and read metrics", cmd_metrics)
    p = leaf(metrics, "log", "log metric values")
    p.add_argument("run")
    p.add_argument("values", nargs="+", metavar="KEY=VALUE")
    p.add_argument("--step", type=int, default=0)
    p = leaf(metrics, "history", "a metric's series")
    p.add_argument("run")
    p.add_argument("key")

    p = commands.add_parser("login", help="save the URL and token to the config file", parents=[common])
    p.set_defaults(handler=cmd_login)
    configs = group("config", "show the configuration in force and where each value comes from", cmd_config)
    leaf(configs, "show", "show the configuration")
    p = commands.add_parser("status", help="is the registry reachable, and is the token accepted?", parents=[common])
    p.set_defaults(handler=cmd_status)
    return root


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        a = parser().parse_args(argv)
    except SystemExit as e:  # --help, --version (0) and usage errors (2)
        return int(e.code or 0)
    for name, default in (("url", None), ("token", None), ("json", False), ("quiet", False)):
        if not hasattr(a, name):
            setattr(a, name, default)
    reg: Optional[Registry] = None
    try:
        reg = Registry(
            a.url if a.command != "login" else None,
            a.token if a.command != "login" else None,
            retries=1 if a.command == "status" else 5,  # status answers at once, up or down
        )
        return int(a.handler(reg, a))
    except UsageError as e:
        print(f"mreg: {e}", file=sys.stderr)
        return EXIT_USAGE
    except config.ConfigError as e:
        print(f"mreg: {e}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as e:  # arguments the client checks itself (a ttl, a size, a metric value)
        print(f"mreg: {e}", file=sys.stderr)
        return EXIT_USAGE
    except MregError as e:
        print(f"mreg: {_explain(e, reg)}", file=sys.stderr)
        return _exit_code(e)
    except OSError as e:
        print(f"mreg: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    finally:
        if reg is not None:
            reg.close()


def _exit_code(e: MregError) -> int:
    if isinstance(e, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(e, (Unauthorized, Forbidden)):
        return EXIT_AUTH
    if isinstance(e, IntegrityError):
        return EXIT_INTEGRITY
    return EXIT_ERROR


def _explain(e: MregError, reg: Optional[Registry]) -> str:
    if reg is None:
        return str(e)
    s = reg.settings
    if isinstance(e, Unavailable) and e.status is None:
        return f"cannot reach the registry at {s.url} (URL from {s.url_source}): {e}"
    if isinstance(e, Unauthorized):
        return f"{e} (token from {s.token_source})"
    return str(e)


def run() -> None:
    sys.exit(main())
