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
# # Lab 4: Capstone, the whole lifecycle from a changed app
#
# Build -> Tag -> Push -> Pull -> Run, with real versions: log in with an access token you
# generate, publish the app as `v1` and `v1.0.0`, change it, publish the change as `v1.1.0`, pull
# `v1.1.0` back and run it, roll back to `v1.0.0`, then make the repository private.
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "login-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Log in with an access token you generate
#
# Generate a **Repo Read & Write** access token on your account with Docker Hub's API, as lesson
# 02 did from code (a graded notebook has no browser to click the hub's page): sign in with your
# lab's password (`lab.password`), create the token
# (`lab.hub_api.create_access_token(access, DESCRIPTION, "repo:write")`), keep it in your lab
# (`lab.save_token(...)`), then log in with it on standard input.

# %% nbgrader={"grade": false, "grade_id": "answer-login", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
access = lab.hub_api.sign_in(lab.username, lab.password)
made = lab.hub_api.create_access_token(access, "capstone", "repo:write")
lab.save_token(made["token"])
# !docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-login", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: login
lab.check("login")
### BEGIN HIDDEN TESTS
assert lab.check("login").passed
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "check-token", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: token
lab.check("token")
### BEGIN HIDDEN TESTS
assert lab.check("token").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "release-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Publish the app as it is: `v1` and `v1.0.0`

# %% nbgrader={"grade": false, "grade_id": "answer-release", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "build-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Build: change the app and build `v1.1.0`
#
# Copy the app (`lab.copy_app()`), change its greeting, build it as `lab.source("v1.1.0")` on
# `lab.images.base` and tag the build `v1.1.0` in your repository.

# %% nbgrader={"grade": false, "grade_id": "answer-build", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
app = lab.copy_app("my-flask-app")
source = (app / "app.py").read_text()
(app / "app.py").write_text(source.replace("Hello from", "Hello again from"))
# !docker build -q -t {lab.source("v1.1.0")} --build-arg BASE_IMAGE={lab.images.base} --build-arg APP_VERSION=v1.1.0 {app}
# !docker tag {lab.source("v1.1.0")} {repo}:v1.1.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-tag-v1-1-0", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: tag tag=v1.1.0
lab.check("tag", tag="v1.1.0")
### BEGIN HIDDEN TESTS
assert lab.check("tag", tag="v1.1.0").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "push-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Push `v1.1.0`

# %% nbgrader={"grade": false, "grade_id": "answer-push", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker push {repo}:v1.1.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-push-v1-1-0", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: push tag=v1.1.0
lab.check("push", tag="v1.1.0")
### BEGIN HIDDEN TESTS
assert lab.check("push", tag="v1.1.0").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "pull-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Pull `v1.1.0` back
#
# Remove every local name of the `v1.1.0` image first, so the pull really downloads it.

# %% nbgrader={"grade": false, "grade_id": "answer-pull", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker rmi {repo}:v1.1.0 {lab.source("v1.1.0")}
# !docker pull {repo}:v1.1.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-pull-v1-1-0", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: pull tag=v1.1.0
lab.check("pull", tag="v1.1.0")
### BEGIN HIDDEN TESTS
assert lab.check("pull", tag="v1.1.0").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "run-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Run `v1.1.0`
#
# Detached, by its registry name, with container port 5000 published (`-p 5000`). Keep what
# `docker run` prints (the container's ID) in a variable, as lesson 08 did: `deployed = !docker …`.

# %% nbgrader={"grade": false, "grade_id": "answer-run", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# deployed = !docker run -d -p 5000 {repo}:v1.1.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-run-v1-1-0", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: run tag=v1.1.0
lab.check("run", tag="v1.1.0")
### BEGIN HIDDEN TESTS
assert lab.check("run", tag="v1.1.0").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "rollback-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Roll back
#
# `v1.1.0` has a bug. Roll back as lesson 08 did: remove the `v1.1.0` container and run `v1.0.0`
# in its place, detached, by its registry name, with container port 5000 published (`-p 5000`).
# The container's ID is the last line `docker run` printed: `deployed[-1]` (`!docker ps` lists
# your containers too).

# %% nbgrader={"grade": false, "grade_id": "answer-rollback", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# !docker rm -f {deployed[-1]}
# !docker run -d -p 5000 {repo}:v1.0.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-rollback", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# verify: rollback
lab.check("rollback")
### BEGIN HIDDEN TESTS
assert lab.check("rollback").passed
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "private-task", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Make it private
#
# Make your repository private from code, with your classroom hub's own call
# (`lab.hub_api.set_private(USERNAME, REPOSITORY, True, access)`, lesson 10; on Docker Hub the
# repository's Settings page does it, its API has no call for it), then show that a pull with no
# login is refused now: log out of your registry and pull `v1.0.0`.

# %% nbgrader={"grade": false, "grade_id": "answer-private", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
lab.hub_api.set_private(lab.username, "my-flask-app", True, access)
# !docker logout {lab.registry}
# !docker pull {repo}:v1.0.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-private", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
# verify: visibility private=True
lab.check("visibility", private=True)
### BEGIN HIDDEN TESTS
assert lab.check("visibility", private=True).passed
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "stop", "locked": true, "schema_version": 3, "solution": false, "task": false}
lab.stop()
