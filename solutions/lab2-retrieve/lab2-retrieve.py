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
# # Lab 2: Verify, pull and run
#
# You publish `my-flask-app:v1` again, then do what anyone with access would do: look it up on the
# hub, pull it back from the registry, run it.
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "publish-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 0. Publish it again
#
# Log in with your access token, tag your image (`lab.source()`) as
# `REGISTRY/USERNAME/my-flask-app:v1` and push it (Lab 1's three commands).

# %% nbgrader={"grade": false, "grade_id": "answer-publish", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}
# !docker tag {lab.source()} {lab.registry}/{lab.username}/my-flask-app:v1
# !docker push {lab.registry}/{lab.username}/my-flask-app:v1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-publish", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: push
lab.check("push")
### BEGIN HIDDEN TESTS
assert lab.check("push").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "verify-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Verify: what does the hub show?
#
# Docker Hub shows a pushed tag's **digest** (the `v1: digest: sha256:…` line of `docker push`) and
# its **compressed size** (the sum of its layers). Read both for your `v1` from Docker Hub's API,
# in code, as lesson 05 did: `lab.hub_api.tags(USERNAME, REPOSITORY, lab.hub_access())` lists
# each tag with its `digest` and `full_size` (`GET
# /v2/namespaces/USERNAME/repositories/REPOSITORY/tags`). Set `DIGEST` (a string) and `SIZE`
# (bytes).
#
# Read them in this cell rather than pasting what you saw: when your lab is graded, the notebook
# runs again in a fresh sandbox with a new registry, and only values your code reads there can
# match it.

# %% nbgrader={"grade": false, "grade_id": "answer-verify", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
tags = lab.hub_api.tags(lab.username, "my-flask-app", lab.hub_access())
DIGEST, SIZE = next((t["digest"], t["full_size"]) for t in tags if t["name"] == "v1")
print(DIGEST, SIZE)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-verify", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: verify digest=$DIGEST size=$SIZE
lab.check("verify", digest=DIGEST, size=SIZE)
### BEGIN HIDDEN TESTS
assert lab.check("verify", digest=DIGEST, size=SIZE).passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pull-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Pull it back
#
# Remove every local name of the image (the registry one and `lab.source()`), so nothing is left
# in your engine's cache, then pull it from the registry.

# %% nbgrader={"grade": false, "grade_id": "answer-pull", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker rmi {lab.registry}/{lab.username}/my-flask-app:v1 {lab.source()}
# !docker pull {lab.registry}/{lab.username}/my-flask-app:v1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-pull", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: pull
lab.check("pull")
### BEGIN HIDDEN TESTS
assert lab.check("pull").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "run-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Run what you pulled
#
# Run it detached, by its registry name, with container port 5000 published. Use `-p 5000`
# (Docker picks a free port on your machine; on your own laptop `-p 5000:5000` works too, but in
# a classroom port 5000 may be taken).

# %% nbgrader={"grade": false, "grade_id": "answer-run", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker run -d -p 5000 {lab.registry}/{lab.username}/my-flask-app:v1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-run", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: run
lab.check("run")
### BEGIN HIDDEN TESTS
assert lab.check("run").passed
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "stop", "locked": true, "schema_version": 3, "solution": false, "task": false}
lab.stop()
