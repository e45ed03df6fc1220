"""The Automation API runner behind ``vmscrape up|preview|destroy``: a program run inline, no language host.

The program is the repository's quick start (the root ``Pulumi.yaml``) or, with ``--program DIR``, any
Pulumi project directory holding a Python ``__main__.py`` (e.g. ``examples/basic``). It runs *inline*: the
Pulumi engine (the ``pulumi`` CLI) calls back into this process, so no ``pulumi-language-python`` plugin
is involved — the same program, stack and state as ``pulumi up`` in that directory.

Defaults, the same as the root ``Pulumi.yaml``: a local file backend in ``<root>/.pulumi-state``, the
passphrase secrets provider (``PULUMI_CONFIG_PASSPHRASE``, empty unless set), stack ``dev``,
``vmscrape:renderDir=rendered`` (relative to the project directory) unless ``vmscrape:kubeContext`` is set.
The ``pulumi`` CLI is the one on PATH, else the one ``scripts/install-pulumi`` built.
"""

from __future__ import annotations

import errno
import os
import runpy
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from ..errors import Problem, VMScrapeError
from ..manifests import parse_documents, read_text
from ..paths import cache_dir, default_project_dir, default_state_dir
from .failures import GuardedProgram, busy_error, engine_failure
from .recovery import RunTracker, recover

#: Stack settings ``vmscrape up`` gives a stack that sets none of them (render mode into the project).
DEFAULT_CONFIG = {"vmscrape:renderDir": "rendered"}


def find_pulumi() -> str | None:
    """``pulumi`` on PATH (the normal case on a user's machine), else the one scripts/install-pulumi built."""
    found = shutil.which("pulumi")
    if found:
        return found
    cached = cache_dir() / "bin" / "pulumi"
    return str(cached) if cached.exists() else None


def _project_name(settings: Path) -> str:
    """``name`` of a ``Pulumi.yaml``, read as every other input is (UTF-8, bounded depth)."""
    documents = parse_documents(settings, read_text(settings))
    project = documents[0] if len(documents) == 1 else None
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name:
        raise VMScrapeError([Problem(str(settings), "name", "a Pulumi project needs a name (a string)")])
    return name


def project_state_dir(project_dir: Path) -> Path:
    """Where ``pulumi`` run in ``project_dir`` keeps the stack: the project's own local file backend
    (``backend.url: file://DIR`` in its ``Pulumi.yaml``; a relative DIR is relative to the directory
    ``pulumi`` runs in, the project's), else :func:`~vmscrape_component.paths.default_state_dir`.
    ``vmscrape up`` and ``pulumi up`` in that directory then share one state."""
    settings = project_dir / "Pulumi.yaml"
    documents = parse_documents(settings, read_text(settings)) if settings.exists() else []
    project = documents[0] if len(documents) == 1 else None
    backend = project.get("backend") if isinstance(project, dict) else None
    url = backend.get("url") if isinstance(backend, dict) else None
    if isinstance(url, str) and url.startswith("file://") and "?" not in url:
        path = Path(url.removeprefix("file://")).expanduser()
        return path if path.is_absolute() else project_dir / path
    return default_state_dir()


def load_project(program_dir: Path | None) -> tuple[Path, str, Callable[[], None]]:
    """The project directory, its name, and the inline program that runs its code."""
    # The default is the current directory, as for `pulumi up` (in the repository: the root project,
    # whose __main__.py runs examples/quickstart).
    program_dir = (program_dir or default_project_dir()).resolve()
    main = program_dir / "__main__.py"
    settings = program_dir / "Pulumi.yaml"
    if not main.exists() or not settings.exists():
        raise VMScrapeError(
            [
                Problem(
                    "--program",
                    "",
                    "not a Python Pulumi project: needs Pulumi.yaml and __main__.py",
                    str(program_dir),
                )
            ]
        )
    name = _project_name(settings)

    def program() -> None:
        sys.path.insert(0, str(program_dir))
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            sys.path.remove(str(program_dir))

    return program_dir, name, program


def open_stack(
    project_dir: Path,
    project_name: str,
    program: Callable[[], None],
    *,
    stack_name: str = "dev",
    state_dir: Path | None = None,
    config: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> Any:
    """An Automation API stack running ``program`` inline, with the local defaults (see the module doc).

    ``config`` is set on the stack as given; the defaults (``vmscrape:renderDir=rendered`` unless
    ``vmscrape:kubeContext`` is set) only where the stack and the project set nothing. ``env``: more
    variables for the engine (and the plugins it starts), e.g. the run's mark (:class:`.recovery.RunTracker`).
    """
    binary = find_pulumi()
    if binary is None:
        raise VMScrapeError(
            [Problem("pulumi", "", "no pulumi CLI found: install Pulumi, or run scripts/install-pulumi")]
        )
    state_dir = state_dir or default_state_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PULUMI_BACKEND_URL": state_dir.resolve().as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", ""),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        **(env or {}),
    }
    # The project's own Pulumi.yaml is used as it is (LocalWorkspace would overwrite it if given settings).
    command = auto.PulumiCommand(root=str(Path(binary).parent.parent), skip_version_check=True)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir), pulumi_command=command, env_vars=env, secrets_provider="passphrase"
    )
    st = auto.create_or_select_stack(
        stack_name=stack_name, project_name=project_name, program=program, opts=opts
    )
    for key, value in (config or {}).items():
        st.set_config(key, auto.ConfigValue(value))
    present = st.get_all_config()
    if not (present.get("vmscrape:kubeContext") and present["vmscrape:kubeContext"].value):
        for key, value in DEFAULT_CONFIG.items():
            if key not in present:
                st.set_config(key, auto.ConfigValue(value))
    return st


def run(
    action: str,
    *,
    program_dir: Path | None,
    stack_name: str,
    state_dir: Path | None,
    diff: bool = False,
    force: bool = False,
) -> int:
    """Run ``action`` (up, preview, destroy or cancel) on a stack of the project in ``program_dir``.

    First it cleans up after an interrupted run (see :mod:`.recovery`), saying what it did on stderr, one
    line each; a failure of the engine or the program ends in a :class:`VMScrapeError` of one paragraph.
    ``force`` (cancel only): also remove locks whose owner runs or is on another host.
    ``state_dir`` None: the project's own file backend (:func:`project_state_dir`).
    """
    project_dir, name, program = load_project(program_dir)
    state_dir = (state_dir or project_state_dir(project_dir)).resolve()
    # Relative paths (vmscrape:renderDir) mean the project directory, as under `pulumi up`.
    os.chdir(project_dir)
    say(f"vmscrape: {action} of {name} (stack {stack_name}) through the Automation API, state in {state_dir}")
    recovery = recover(state_dir, name, stack_name, force=force)
    for line in recovery.done:
        say(f"vmscrape: recovered: {line}")
    if recovery.live_locks:
        raise busy_error(stack_name, recovery.live_locks)
    guarded = GuardedProgram(program, program_dir.resolve() if program_dir else None)
    with RunTracker(state_dir, name, stack_name, action) as tracker:
        try:
            st = open_stack(
                project_dir, name, guarded, stack_name=stack_name, state_dir=state_dir, env=tracker.env
            )
            if action in ("up", "destroy"):
                _check_render_dir(st, stack_name)
            cleared = _clear_pending_operations(st)
            if cleared:
                say(f"vmscrape: recovered: {cleared}")
            _act(action, st, project_dir, diff)
        except auto.errors.CommandError as exc:
            after = recover(state_dir, name, stack_name, orphans=tracker.left_running())
            for line in after.done:
                say(f"vmscrape: cleaned up: {line}")
            raise engine_failure(action, stack_name, exc, guarded, after.done) from None
    if action == "cancel" and not recovery.done and not cleared:
        say("vmscrape: nothing to recover: no stale lock, no orphaned plugin, no pending operation")
    return 0


def say(line: str) -> None:
    """A line for the user about what vmscrape itself does (stderr; the engine's output goes to stdout)."""
    print(line, file=sys.stderr, flush=True)


def _out(line: str) -> None:
    print(line, flush=True)


def _act(action: str, st: Any, project_dir: Path, diff: bool) -> None:
    if action == "preview":
        result = st.preview(on_output=_out, diff=diff, color="never")
        say(f"changes: {result.change_summary}")
    elif action == "up":
        result = st.up(on_output=_out, diff=diff, color="never")
        say(f"changes: {result.summary.resource_changes}")
    elif action == "destroy":
        st.destroy(on_output=_out, color="never")
        _remove_rendered(project_dir, st)


def _clear_pending_operations(st: Any) -> str:
    """Pending operations an interrupted run left in the state, cleared the way Pulumi recommends.

    ``pulumi refresh`` reads every resource back from its provider (the cluster, or the rendered files) and
    drops the operations it resolves; ``--clear-pending-creates`` drops the CREATEs that never confirmed,
    which the next ``up`` then makes again. Returns what was done, or ``""``.
    """
    pending = st.export_stack().deployment.get("pending_operations") or []
    if not pending:
        return ""
    st.refresh(clear_pending_creates=True, color="never")
    described = ", ".join(
        f"{op.get('type', '?')} of {str(op.get('resource', {}).get('urn', '?')).rsplit('::', 1)[-1]}"
        for op in pending
    )
    return (
        f"cleared {len(pending)} pending operation(s) of an interrupted run ({described}) with "
        "`pulumi refresh --clear-pending-creates`; `up` makes an interrupted create again"
    )


def _check_render_dir(st: Any, stack_name: str) -> None:
    """Render mode writes into ``vmscrape:renderDir``: refuse before the engine starts if it cannot."""
    present = st.get_all_config()
    context, directory = present.get("vmscrape:kubeContext"), present.get("vmscrape:renderDir")
    if (context and context.value) or not (directory and directory.value):
        return
    target = Path(directory.value).absolute()
    existing = next(p for p in (target, *target.parents) if p.exists())
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".vmscrape-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise VMScrapeError(
            [
                Problem(
                    f"stack {stack_name}",
                    "vmscrape:renderDir",
                    f"render mode writes the manifests there, but {existing} is not writable "
                    f"({exc.strerror or exc}); nothing was changed. Choose a writable directory with "
                    "`pulumi config set vmscrape:renderDir DIR` (in the project directory), or deploy to a "
                    "cluster with `pulumi config set vmscrape:kubeContext CONTEXT`.",
                    directory.value,
                )
            ]
        ) from None


def _remove_rendered(project_dir: Path, st: Any) -> None:
    """After destroy: the working tree as before ``up``.

    The provider removes the manifests it wrote but keeps its folders (``1-manifest/``...): those are
    removed when empty, and the render directory with them. ``vmagent/`` is what programs of earlier
    versions wrote (the quick start's config file), removed as it was then.
    """
    directory = st.get_all_config().get("vmscrape:renderDir")
    if not (directory and directory.value):
        return
    root = project_dir / directory.value
    written = root / "vmagent"
    if written.is_dir():
        shutil.rmtree(written)
    if not root.is_dir():
        return
    for folder in sorted(
        (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(root.iterdir()):
        root.rmdir()
