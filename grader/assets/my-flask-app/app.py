"""my-flask-app: the small web app the course publishes."""

import os

from flask import Flask

app = Flask(__name__)
VERSION = os.environ.get("APP_VERSION", "v1")


@app.route("/")
def index():
    return (
        "<h1>Hello from my-flask-app</h1>"
        f"<p>Version {VERSION}. Built, tagged, pushed, pulled and run.</p>"
    )


@app.route("/health")
def health():
    return {"status": "ok", "version": VERSION}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000)
