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
# # Lab 1: Log in, tag and push
#
# You publish `my-flask-app:v1` to your classroom registry, the way you would publish it to
# Docker Hub: log in with an access token, tag the image with the registry and your username,
# push it. Each answer is the docker command you would type; the grader looks at what your
# commands did (the registry's manifests, its request log, your engine's images), not at the
# text you typed.
#
# Run every cell in order. Each check cell shows whether your step worked.

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

# %% [markdown] nbgrader={"grade": false, "grade_id": "login-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Log in with your access token
#
# Your access token is in the file `lab.token_file`. Never type it into a command: send it on
# standard input with `--password-stdin < {lab.token_file}`. (In a notebook, `!` runs a shell
# command and `{...}` puts a Python value into it, as in the lessons.)

# %% nbgrader={"grade": false, "grade_id": "answer-login", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-login", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: login
lab.check("login")
### BEGIN HIDDEN TESTS
assert lab.check("login").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "tag-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Tag your image
#
# Give your image (`lab.source()`) the name `REGISTRY/USERNAME/my-flask-app:v1`.

# %% nbgrader={"grade": false, "grade_id": "answer-tag", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker tag {lab.source()} {lab.registry}/{lab.username}/my-flask-app:v1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-tag", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: tag
lab.check("tag")
### BEGIN HIDDEN TESTS
assert lab.check("tag").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "push-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Push it

# %% nbgrader={"grade": false, "grade_id": "answer-push", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker push {lab.registry}/{lab.username}/my-flask-app:v1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-push", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: push
lab.check("push")
### BEGIN HIDDEN TESTS
assert lab.check("push").passed
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "stop", "locked": true, "schema_version": 3, "solution": false, "task": false}
lab.stop()
