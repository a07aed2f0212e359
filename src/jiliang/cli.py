"""The `jiliang` console command: Django's management commands without manage.py.

`jiliang demo`, `jiliang serve`, `jiliang migrate`, `jiliang createuser`, and every other
management command by its name (`jiliang help` lists them). `jiliang manage X` is the same as
`jiliang X`, for those used to manage.py.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        args = args[1:]
    execute_from_command_line(["jiliang", *args])


if __name__ == "__main__":
    main()
