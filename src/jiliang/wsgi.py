"""WSGI entry point for production servers: `gunicorn jiliang.wsgi`.

Reads the installation's environment file like every command, and refuses to start, in one line
on stderr, on a setting that would stop the platform or on missing collected static files (which
would otherwise make every page a 500). Exit status 4 tells gunicorn the application cannot load,
so it stops instead of restarting workers forever.
"""

import os
import sys

from jiliang.config import ConfigurationError, load_env_file

APPLICATION_LOAD_ERROR = 4

try:
    load_env_file()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from jiliang.startup import check_web_server

    check_web_server()
except ConfigurationError as error:
    sys.stderr.write(f"jiliang: configuration error: {error}\n")
    sys.exit(APPLICATION_LOAD_ERROR)
