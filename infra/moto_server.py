"""moto's server, serving one request at a time.

The stock `moto_server` is threaded, and moto does not lock an item during a write, so concurrent
UpdateItem or conditional PutItem calls can lose updates — which real DynamoDB never does. Serving
requests one by one restores the atomicity our conformance suites check (werkzeug then closes each
connection, so the SDK's keep-alive does not stall).

    python infra/moto_server.py PORT
"""
import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

port = int(sys.argv[1])
os.environ.setdefault("MOTO_PORT", str(port))
run_simple("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=False)
