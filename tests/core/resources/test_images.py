"""`/api/images` against the real engine: list, remove, prune (private engine), pull (a local
test registry)."""

import json

import docker
import pytest

from core.docker import images
from core.docker.image_reference import parse_reference
from fixtures.test_image import IMAGE
from tests.core.resources.conftest import import_image, unique
from tests.registry import Registry, tiny_image

pytestmark = [pytest.mark.docker, pytest.mark.django_db]

IMAGE_KEYS = {"id", "repoTags", "repoDigests", "created", "size", "virtualSize", "containers",
              "labels"}  # fmt: skip


def create_container(client, leftovers, image, **kwargs):
    container = client.api.create_container(image, command=["/bin/true"], name=unique("ctr"),
                                            **kwargs)  # fmt: skip
    leftovers.containers.append(container["Id"])
    return container["Id"]


@pytest.fixture
def own_image(docker_client, leftovers):
    repository = unique("img")
    image_id = import_image(docker_client, repository, "1", **{"org.cockpit.res": "yes"})
    leftovers.images.append(image_id)
    return repository, image_id


# --- list ----------------------------------------------------------------------------------


def test_list_shape_and_container_count(admin, host, own_image, docker_client, leftovers):
    repository, image_id = own_image
    create_container(docker_client, leftovers, f"{repository}:1")
    response = admin.get("/api/images")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"images", "total"}
    assert body["total"] == len(body["images"])
    entry = next(image for image in body["images"] if image["id"] == image_id)
    assert set(entry) == IMAGE_KEYS
    assert entry["repoTags"] == [f"{repository}:1"]
    assert entry["repoDigests"] == []
    assert entry["labels"] == {"org.cockpit.res": "yes"}
    assert entry["containers"] == 1
    assert isinstance(entry["created"], int)
    assert entry["size"] >= 0


def test_list_paging(viewer, host, own_image):
    response = viewer.get("/api/images?limit=1&offset=0")
    assert response.status_code == 200
    assert len(response.json()["images"]) == 1
    assert response.json()["total"] >= 2  # ours and the test image
    response = viewer.get("/api/images?limit=x")
    assert response.status_code == 400
    assert response.json() == {"error": "limit must be an integer"}


def test_list_is_top_level_only(viewer, host):
    response = viewer.get("/api/images")
    assert all(image["id"].startswith("sha256:") for image in response.json()["images"])
    assert IMAGE in {tag for image in response.json()["images"] for tag in image["repoTags"]}


# --- remove --------------------------------------------------------------------------------


def test_remove_by_tag(admin, host, own_image, docker_client):
    repository, image_id = own_image
    response = admin.delete(f"/api/images/{repository}:1")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert {"Untagged": f"{repository}:1"} in body["deleted"]
    assert {"Deleted": image_id} in body["deleted"]
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.api.inspect_image(image_id)


def test_remove_by_id(admin, host, own_image):
    _, image_id = own_image
    response = admin.delete(f"/api/images/{image_id}")
    assert response.status_code == 200
    assert {"Deleted": image_id} in response.json()["deleted"]


def test_remove_unknown_is_404(admin, host):
    response = admin.delete(f"/api/images/{unique('nothing')}:1")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize("path", ["a..b", "-bad", "x%20y", "a/../b", "ok;rm"])
def test_remove_invalid_id_is_400(admin, host, path):
    response = admin.delete(f"/api/images/{path}")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid image ID"}


def test_remove_in_use_is_409_unless_forced(admin, host, own_image, docker_client, leftovers):
    repository, image_id = own_image
    create_container(docker_client, leftovers, f"{repository}:1")
    response = admin.delete(f"/api/images/{repository}:1")
    assert response.status_code == 409
    assert "must force" in response.json()["error"]
    docker_client.api.inspect_image(image_id)  # still there
    response = admin.delete(f"/api/images/{repository}:1?force=true")
    assert response.status_code == 200
    assert {"Untagged": f"{repository}:1"} in response.json()["deleted"]


def test_remove_image_of_running_container_is_409_even_forced(
    admin, host, docker_client, leftovers
):
    repository = unique("img-run")
    docker_client.api.tag(IMAGE, repository, "1")
    leftovers.images.append(f"{repository}:1")
    container = create_container(docker_client, leftovers, f"{repository}:1")
    docker_client.api.remove_container(container)
    running = docker_client.api.create_container(f"{repository}:1", command=["sleep", "60"],
                                                 name=unique("run"))  # fmt: skip
    leftovers.containers.append(running["Id"])
    docker_client.api.start(running["Id"])
    image_id = docker_client.api.inspect_image(IMAGE)["Id"]
    response = admin.delete(f"/api/images/{image_id}?force=true")
    assert response.status_code == 409
    assert "running container" in response.json()["error"]


def test_remove_bad_force_value_is_400(admin, host, own_image):
    repository, _ = own_image
    response = admin.delete(f"/api/images/{repository}:1?force=yes")
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid force value (use true or false)"}


def test_remove_needs_admin(as_role, host, own_image):
    repository, _ = own_image
    for role in ("viewer", "operator"):
        response = as_role(role).delete(f"/api/images/{repository}:1")
        assert response.status_code == 403
        assert response.json() == {"error": "Insufficient permissions"}


# --- prune (a private engine: never other engineers' dangling images) ------------------------


def test_prune_dangling_only_by_default_then_all(admin, private_host, private_client):
    api = private_client.api
    repository = unique("prune")
    dangling = import_image(private_client, repository, "1")
    tagged = import_image(private_client, repository, "1")  # takes the tag: the first dangles
    used = api.inspect_image(IMAGE)["Id"]
    container = api.create_container(IMAGE, command=["/bin/true"], name=unique("keep"))
    try:
        response = admin.post("/api/images/prune?host=private")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"ImagesDeleted", "SpaceReclaimed"}
        assert {"Deleted": dangling} in body["ImagesDeleted"]
        assert isinstance(body["SpaceReclaimed"], int)
        api.inspect_image(tagged)  # a tagged image survives the default prune

        response = admin.post("/api/images/prune?host=private", {"all": True}, format="json")
        assert response.status_code == 200
        assert {"Deleted": tagged} in response.json()["ImagesDeleted"]
        api.inspect_image(used)  # in use by a container: kept even with all
    finally:
        api.remove_container(container["Id"], force=True)


def test_prune_all_only_for_literal_true(admin, private_host, private_client):
    repository = unique("prune-str")
    tagged = import_image(private_client, repository, "1")
    try:
        response = admin.post("/api/images/prune?host=private", {"all": "true"}, format="json")
        assert response.status_code == 200
        private_client.api.inspect_image(tagged)
    finally:
        private_client.api.remove_image(tagged, force=True)


def test_prune_gateway_shape_on_empty_engine(private_host, private_client):
    images.prune_images(private_host)
    assert images.prune_images(private_host) == {"ImagesDeleted": [], "SpaceReclaimed": 0}


def test_prune_needs_admin(viewer, host):
    response = viewer.post("/api/images/prune")
    assert response.status_code == 403


# --- pull ----------------------------------------------------------------------------------


def ndjson(response) -> list[dict]:
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def test_pull_streams_progress_and_ends_done(admin, host, docker_client, leftovers):
    name = f"ckt/{unique('pull')}"
    with Registry() as registry:
        published = registry.publish_image(
            docker_client, IMAGE, name, "1", labels={"ckt.pulled": "yes"}
        )
        leftovers.images.append(published.image_id)
        with pytest.raises(docker.errors.ImageNotFound):
            docker_client.api.inspect_image(published.reference)
        response = admin.post("/api/images/pull", {"image": published.reference}, format="json")
        assert response.status_code == 200
        lines = ndjson(response)
    statuses = [line.get("status") for line in lines]
    assert statuses[0] == f"Pulling from {name}"
    assert f"Digest: {published.manifest_digest}" in statuses
    assert f"Status: Downloaded newer image for {published.reference}" in statuses
    assert all(set(line) <= {"status", "id", "progress", "progressDetail"} for line in lines[:-1])
    assert lines[-1] == {"done": True, "image": published.reference, "id": published.image_id}
    pulled = docker_client.api.inspect_image(published.reference)
    assert pulled["Id"] == published.image_id
    assert pulled["Config"]["Labels"]["ckt.pulled"] == "yes"
    assert published.reference in pulled["RepoTags"]
    run = docker_client.containers.run(  # the pulled image is the test image: it runs
        published.reference, ["echo", "ran"], name=unique("ran"), detach=True
    )
    leftovers.containers.append(run.id)
    assert run.wait(timeout=30)["StatusCode"] == 0
    assert run.logs() == b"ran\n"


def test_pull_brings_the_newer_image_a_tag_moved_to(admin, host, docker_client, leftovers):
    name = f"ckt/{unique('moved')}"
    with Registry() as registry:
        first = registry.publish_image(docker_client, IMAGE, name, "1", labels={"v": "1"})
        leftovers.images.append(first.image_id)
        docker_client.api.pull(first.reference)
        assert docker_client.api.inspect_image(first.reference)["Id"] == first.image_id
        second = registry.publish_image(docker_client, IMAGE, name, "1", labels={"v": "2"})
        leftovers.images.append(second.image_id)
        assert second.image_id != first.image_id
        lines = ndjson(admin.post("/api/images/pull", {"image": first.reference}, format="json"))
    assert f"Status: Downloaded newer image for {second.reference}" in {
        line.get("status") for line in lines
    }
    assert lines[-1] == {"done": True, "image": second.reference, "id": second.image_id}
    assert docker_client.api.inspect_image(second.reference)["Id"] == second.image_id
    assert docker_client.api.inspect_image(first.image_id)["RepoTags"] == []  # left dangling


def test_pull_by_digest_with_registry_port(admin, host, docker_client, leftovers):
    with Registry() as registry:
        name = f"ckt/{unique('digest')}"
        published = registry.publish_image(docker_client, IMAGE, name, "1", labels={"d": "1"})
        leftovers.images.append(published.image_id)
        reference = f"{registry.address}/{name}@{published.manifest_digest}"
        response = admin.post("/api/images/pull", {"image": reference}, format="json")
        assert response.status_code == 200
        lines = ndjson(response)
        assert f"GET /v2/{name}/manifests/{published.manifest_digest}" in registry.requests
    pulled = docker_client.api.inspect_image(reference)
    assert pulled["Id"] == published.image_id
    assert lines[-1] == {"done": True, "image": reference, "id": published.image_id}
    assert reference in pulled["RepoDigests"]


def test_pull_error_inside_the_stream_is_a_failure(admin, host, docker_client, leftovers):
    with Registry() as registry:
        published = registry.publish(f"ckt/{unique('corrupt')}", "1", *tiny_image(), corrupt=True)
        reference = published.reference
        leftovers.images.append(reference)
        response = admin.post("/api/images/pull", {"image": reference}, format="json")
        assert response.status_code == 200  # the engine accepted it and started streaming
        lines = ndjson(response)
    last = lines[-1]
    assert last["done"] is True
    assert "image" not in last
    assert last["error"].startswith(f"Pull of {reference} failed: ")
    assert "verification failed" in last["error"]
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.api.inspect_image(reference)


def test_pull_gateway_raises_inside_the_stream(host, leftovers):
    with Registry() as registry:
        published = registry.publish(f"ckt/{unique('gw')}", "1", *tiny_image(), corrupt=True)
        leftovers.images.append(published.reference)
        events = images.pull_image(host, parse_reference(published.reference))
        with pytest.raises(images.PullFailed, match="verification failed"):
            list(events)


def test_pull_from_an_unreachable_registry_is_502(admin, host):
    reference = f"127.0.0.1:1/{unique('nowhere')}:v1"
    response = admin.post("/api/images/pull", {"image": reference}, format="json")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error.startswith(f"Registry unreachable while pulling {reference}: ")
    assert "connection refused" in error


def test_pull_of_a_missing_image_is_404(admin, host, docker_client):
    with Registry() as registry:
        name = f"ckt/{unique('missing')}"
        registry.publish(name, "1", *tiny_image())
        for reference in (f"{registry.address}/{name}:nope", f"{registry.address}/ckt/nothing:1"):
            response = admin.post("/api/images/pull", {"image": reference}, format="json")
            assert response.status_code == 404, reference
            error = response.json()["error"]
            assert error.startswith(f"Image {reference} not found in its registry"), error
        assert f"GET /v2/{name}/manifests/nope" in registry.requests


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "image", "This field is required."),
        ({"image": "Bad:Ref"}, "image", "Invalid repository name"),
        ({"image": "img@sha256:zz"}, "image", "Invalid digest"),
    ],
)
def test_pull_validation(admin, host, body, field, message):
    response = admin.post("/api/images/pull", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "Validation failed"
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_pull_needs_admin(as_role, host):
    response = as_role("operator").post("/api/images/pull", {"image": "x"}, format="json")
    assert response.status_code == 403


# --- engine down ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/images?host=dead"),
        ("delete", "/api/images/x:1?host=dead"),
        ("post", "/api/images/prune?host=dead"),
        ("post", "/api/images/pull?host=dead"),
    ],
)
def test_unreachable_engine_is_503_with_host_name(admin, dead_host, method, path):
    body = {"image": "busybox"} if method == "post" else None
    response = getattr(admin, method)(path, body, format="json")
    assert response.status_code == 503
    assert response.json() == {"error": "Docker engine unavailable on host dead-engine"}
