"""The hello WSGI app that gunicorn serves in scenario 6: the same body as forkd's http-hello."""
BODY = b"Hello from forkd\n"


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(BODY)))])
    return [BODY]
