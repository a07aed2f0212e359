"""The `jiliang` console command: Django's management commands without manage.py.

`jiliang demo`, `jiliang serve`, `jiliang migrate`, `jiliang createuser`, and every other
management command by its name (`jiliang help` lists them). `jiliang manage X` is the same as
`jiliang X`, for those used to manage.py.

The installation's environment file is read first (config.load_env_file), and a setting that
stops the platform from starting is one line on stderr, not a traceback.
"""

import os
import sys

from jiliang.config import ConfigurationError, load_env_file


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        args = args[1:]
    try:
        load_env_file()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
        import django

        django.setup()
    except ConfigurationError as error:
        sys.stderr.write(f"jiliang: configuration error: {error}\n")
        raise SystemExit(2) from None
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiliang", *args])


if __name__ == "__main__":
    main()
