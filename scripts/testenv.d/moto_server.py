"""moto's server for S3, DynamoDB and EC2: requests decided one at a time, over keep-alive.

moto checks S3 conditional writes (If-None-Match / If-Match) by reading and then writing
without a lock; the stock moto_server runs many requests at once, so two concurrent
conditional writers can both win. A real S3 decides them atomically. Here every request is
decided under one lock, which gives tests of locking the same guarantee.

Connections are served on threads so that they stay open (HTTP/1.1 keep-alive, as S3
does): a single-threaded werkzeug answers in HTTP/1.0 and closes every connection, so each
request paid a new connection. A request's body is read before the lock is taken (a 5 MB
upload does not hold up the requests decided meanwhile) and its answer is complete before
the lock is let go. A body that ends before its Content-Length (the client went away) is
not handed to moto, which would store what came as the object: S3 stores nothing and answers
IncompleteBody, and so does this.

moto lists its own package directory on every request to recognise a service by host
(about 175 stat calls, twice per request); that list never changes while it runs, so it is
read once.

A benchmark's fixture of many small objects can be put through moto's own S3 model before
the server starts listening: a third argument names a JSON file {"bucket": NAME, "objects":
{KEY: TEXT, ...}}, the bucket is created and the objects put (10,000 in about 0.3 s, where as
many PutObject requests take about 30 s). Everything after that goes through HTTP as usual.
"""
import io
import json
import sys
import threading

from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _modules


INCOMPLETE_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>IncompleteBody</Code><Message>You did not provide'
    b" the number of bytes specified by the Content-Length HTTP header</Message></Error>"
)


def one_at_a_time(app):
    lock = threading.Lock()

    def serve(environ, start_response):
        length = environ.get("CONTENT_LENGTH")
        if length or environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(int(length)) if length else environ["wsgi.input"].read()
            if length and len(body) < int(length):
                # the client went away before the whole body: S3 stores nothing (IncompleteBody)
                start_response("400 Bad Request", [("Content-Type", "application/xml"), ("Connection", "close")])
                return [INCOMPLETE_BODY]
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input_terminated"] = False
        with lock:
            answer = app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close:
                    close()

    return serve


def seed(path):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    s3.create_bucket(doc["bucket"], "us-east-1")
    for key, text in doc["objects"].items():
        s3.put_object(doc["bucket"], key, text.encode())


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:
        seed(sys.argv[3])
    run_simple(host, port, one_at_a_time(DomainDispatcherApplication(create_backend_app)), threaded=True, use_reloader=False, use_debugger=False)
