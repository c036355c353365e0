"""A project's settings module (``SCRAPY_SETTINGS_MODULE=tests.project_settings``): newsarchive's
own, plus values a project sets for its own spiders that would lose records in newsarchive's."""

from newsarchive.settings import *  # noqa: F403

DEPTH_LIMIT = 1
HTTPERROR_ALLOW_ALL = True
HTTPERROR_ALLOWED_CODES = [404, 410]
