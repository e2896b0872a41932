# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Lab 3: Version with real tags
#
# `latest` is only the default tag: a name written without a tag means `:latest`. It moves only
# when something is pushed under that name (often by a push that names no tag); a push of `v1.1.0`
# leaves it where it was. Avoid `latest` in production: whoever pulls it cannot tell which version
# they run, and there is nothing to roll back to by name. You publish real versions: `v1` and
# `v1.0.0` for the app as it is, `v1.1.0` for the app after a change, and no `latest`.
#
# Each answer is the docker command you would type; the grader looks at what your commands did
# (the registry's manifests, its request log, your engine's images and containers), never at the
# text you typed. Run every cell in order.

# %% [markdown] nbgrader={"grade": false, "grade_id": "username-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Your Docker Hub username.** 4 to 30 characters, lowercase letters and digits only.

# %% nbgrader={"grade": false, "grade_id": "username", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
USERNAME = "john123"
### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "start", "locked": true, "schema_version": 3, "solution": false, "task": false}
from grader import Lab

lab = Lab.start(username=USERNAME)
print(f"Your registry: {lab.registry}   your image: {lab.source()}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "release-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Release v1.0.0
#
# Log in, then tag your image (`lab.source()`) as both `v1` and `v1.0.0` in your repository and
# push both tags.

# %% nbgrader={"grade": false, "grade_id": "answer-release", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}
repo = f"{lab.registry}/{lab.username}/my-flask-app"
# !docker tag {lab.source()} {repo}:v1
# !docker tag {lab.source()} {repo}:v1.0.0
# !docker push {repo}:v1
# !docker push {repo}:v1.0.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-push-v1-0-0", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: push tag=v1.0.0
lab.check("push", tag="v1.0.0")
### BEGIN HIDDEN TESTS
assert lab.check("push", tag="v1.0.0").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "change-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Change the app and release v1.1.0
#
# `lab.copy_app()` gives you a copy of the app's source in the folder `my-flask-app`. Change one
# line of `app.py` (the greeting, say), build it as `lab.source("v1.1.0")` on the course's base
# image (`--build-arg BASE_IMAGE={lab.images.base}`), tag it `v1.1.0` in your repository and push
# it.

# %% nbgrader={"grade": false, "grade_id": "answer-change", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
app = lab.copy_app("my-flask-app")
source = (app / "app.py").read_text()
(app / "app.py").write_text(source.replace("Hello from", "Hello again from"))
# !docker build -q -t {lab.source("v1.1.0")} --build-arg BASE_IMAGE={lab.images.base} --build-arg APP_VERSION=v1.1.0 {app}
# !docker tag {lab.source("v1.1.0")} {repo}:v1.1.0
# !docker push {repo}:v1.1.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-push-v1-1-0", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: push tag=v1.1.0
lab.check("push", tag="v1.1.0")
### BEGIN HIDDEN TESTS
assert lab.check("push", tag="v1.1.0").passed
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "check-versioning", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: versioning
lab.check("versioning")
### BEGIN HIDDEN TESTS
assert lab.check("versioning").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pin-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Pin the release
#
# A tag can move; a digest cannot. Pull `v1.0.0` by its digest, as lesson 07 did
# (`REGISTRY/USERNAME/my-flask-app@sha256:…`: the digest is in the line its push printed, in
# `docker images --digests`, and `lab.pinned("v1.0.0")` gives the whole name).

# %% nbgrader={"grade": false, "grade_id": "answer-pin", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker pull {lab.pinned("v1.0.0")}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-digest", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: digest tag=v1.0.0
lab.check("digest", tag="v1.0.0")
### BEGIN HIDDEN TESTS
assert lab.check("digest", tag="v1.0.0").passed
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "stop", "locked": true, "schema_version": 3, "solution": false, "task": false}
lab.stop()
