"""The command line: a thin click surface over the core.

Each command lives in its own module of ``entragit.commands`` and registers itself on ``cli``, the root
group (defined in ``entragit.commands``, re-exported here); every module there is imported when the CLI
starts. Commands parse options and call one function of the core. Errors are typed (``entragit.errors``) and become one line on stderr plus their exit code.
"""

from __future__ import annotations

import os
import sys

import click

from entragit.commands import Ctx, cli, load_commands
from entragit.errors import EntragitError
from entragit.markdown import printable

__all__ = ["Ctx", "cli", "main"]


_load_commands = load_commands


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _error(message: str) -> None:
    click.echo(f"entragit: error: {printable(_one_line(message))}", err=True)


# the root group's options taking a value, and its flags: accepted after the command too
_GLOBAL_VALUED = ("--repo", "--graph-url", "--cloud")
_GLOBAL_FLAGS = ("-v", "-vv", "-vvv", "--verbose")


def hoist_global_options(args: list[str]) -> list[str]:
    """``entragit diff --from X --graph-url URL`` as ``entragit --graph-url URL diff --from X``: the root
    group's options given after the command move in front of it, unless the command has an option of that
    name itself (``entragit init --cloud``). Nothing after ``--`` moves."""
    i, n = 0, len(args)
    while i < n and args[i].startswith("-") and args[i] != "--":   # the options already in front
        i += 2 if args[i] in _GLOBAL_VALUED else 1
    command: click.Command = cli
    while i < n and isinstance(command, click.Group) and args[i] in command.commands:
        command = command.commands[args[i]]
        i += 1
    if command is cli:
        return args
    own = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    front, rest = list(args[:i]), []
    j = i
    while j < n:
        token = args[j]
        if token == "--":
            rest += args[j:]
            break
        name = token.split("=", 1)[0]
        if name in _GLOBAL_VALUED and name not in own:
            take = 1 if "=" in token else 2
            front[0:0] = args[j:j + take]
            j += take
            continue
        if token in _GLOBAL_FLAGS and token not in own:
            front.insert(0, token)
            j += 1
            continue
        rest.append(token)
        j += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one line and a non-zero exit, never a traceback.

    Click's usage errors (unknown option or command, bad value) are shown as one line naming the command's
    ``--help`` instead of click's four-line usage block. An unexpected exception (a bug) is one line with exit
    code 1 too; ``-v`` or ``ENTRAGIT_TRACEBACK=1`` shows its traceback.
    """
    _load_commands()
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    try:
        # without standalone mode click *returns* the code of ctx.exit(n) instead of raising Exit
        code = cli.main(args=args, prog_name="entragit", standalone_mode=False)
    except EntragitError as exc:
        _error(str(exc))
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("entragit: canceled", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as exc:
        # a command group run without its subcommand: its help is what the user needs
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "entragit"
        _error(f"{exc.format_message()} (see '{path} --help')")
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _error(exc.format_message())
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("entragit: canceled", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug still ends as one line; -v shows the traceback
        if os.environ.get("ENTRAGIT_TRACEBACK") or any(a == "--verbose" or (a.startswith("-v") and
                                                                              set(a[1:]) == {"v"})
                                                       for a in args):
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)


_load_commands()
