"""A URL configuration for test_dengbao_checklist.py: the project's URLs plus one page and one API
path that fail the way a bug would, with SQL and a file path in the exception."""

from django.urls import path

from jianfu.urls import urlpatterns as project


def fail(request):
    raise RuntimeError(
        'relation "core_user" error in SELECT phone FROM core_user WHERE id = 1 '
        "(/srv/jianfu/jianfu/core/models.py, line 83)"
    )


urlpatterns = [path("boom/", fail), path("api/boom", fail), *project]
