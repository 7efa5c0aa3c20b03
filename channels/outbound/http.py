"""The one HTTP call of the outbound adapters: standard library only, a timeout always, and an
answer object instead of exceptions (a timeout or a refused connection is an answer too)."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request

from django.conf import settings

from channels.outbound.base import HttpAnswer, HttpRequest

MAX_ANSWER_BYTES = 1024 * 1024  # a shipping confirmation's answer is a few hundred bytes


def http_send(request: HttpRequest, *, timeout: float | None = None) -> HttpAnswer:
    """Send ``request`` and return what came back. The error text names the failure only: the
    URL (which may carry an access token, as 抖店's does) is never part of it."""
    timeout = timeout if timeout is not None else settings.ORDERHUB_WRITEBACK_TIMEOUT_SECONDS
    outgoing = urllib.request.Request(request.url, data=request.body or None,
                                      headers=dict(request.headers), method=request.method)
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:
            return HttpAnswer(status=response.status, body=response.read(MAX_ANSWER_BYTES),
                              headers=dict(response.headers.items()))
    except urllib.error.HTTPError as answer:  # 4xx and 5xx still carry the platform's body
        with answer:
            return HttpAnswer(status=answer.code, body=answer.read(MAX_ANSWER_BYTES),
                              headers=dict(answer.headers.items()) if answer.headers else {})
    except (TimeoutError, socket.timeout):
        return HttpAnswer(status=None, error=f"no answer within {timeout:g} s", timed_out=True)
    except urllib.error.URLError as problem:
        if isinstance(problem.reason, (TimeoutError, socket.timeout)):
            return HttpAnswer(status=None, error=f"no answer within {timeout:g} s",
                              timed_out=True)
        return HttpAnswer(status=None, error=f"connection failed: {problem.reason}")
    except (OSError, ValueError) as problem:  # reset mid-answer, a malformed base URL
        return HttpAnswer(status=None, error=f"connection failed: {type(problem).__name__}: "
                                             f"{problem}")
