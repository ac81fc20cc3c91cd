"""moto's server for S3, DynamoDB and EC2, serving one request at a time.

moto checks S3 conditional writes (If-None-Match / If-Match) by reading and then writing
without a lock; the stock moto_server serves many threads at once, so two concurrent
conditional writers can both win. A real S3 decides them atomically. Serving requests one
after another gives tests of locking the same guarantee.
"""
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

host, port = sys.argv[1], int(sys.argv[2])
app = DomainDispatcherApplication(create_backend_app)
run_simple(host, port, app, threaded=False, use_reloader=False, use_debugger=False)
