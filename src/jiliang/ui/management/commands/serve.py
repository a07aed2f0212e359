"""`jiliang serve [HOST:PORT]`: serve the platform for a trial or the demo.

Production runs behind a WSGI/ASGI server instead (see README: gunicorn jiliang.wsgi).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform on HOST:PORT (default 127.0.0.1:8000) for a trial or the demo."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        call_command("runserver", addrport, use_reloader=False, use_threading=True)
