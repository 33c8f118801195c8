"""Image references with registry ports and digests (spec §14.13), and the path validators."""

import pytest

from core.docker.image_reference import ImageReference, InvalidReference, parse_reference
from core.resources.params import InvalidParameter, image_id, network_id, volume_name

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "name", "tag", "digest", "registry"),
    [
        ("busybox", "busybox", None, None, None),
        ("busybox:1.36", "busybox", "1.36", None, None),
        ("library/busybox:latest", "library/busybox", "latest", None, None),
        ("host:5000/img", "host:5000/img", None, None, "host:5000"),
        ("host:5000/img:v2", "host:5000/img", "v2", None, "host:5000"),
        ("host:5000/team/img:v2", "host:5000/team/img", "v2", None, "host:5000"),
        ("127.0.0.1:5000/img", "127.0.0.1:5000/img", None, None, "127.0.0.1:5000"),
        ("localhost/img:dev", "localhost/img", "dev", None, "localhost"),
        ("ghcr.io/org/app", "ghcr.io/org/app", None, None, "ghcr.io"),
        (f"img@{DIGEST}", "img", None, DIGEST, None),
        (f"host:5000/img@{DIGEST}", "host:5000/img", None, DIGEST, "host:5000"),
        (f"host:5000/img:v1@{DIGEST}", "host:5000/img", "v1", DIGEST, "host:5000"),
        ("[::1]:5000/img:v1", "[::1]:5000/img", "v1", None, "[::1]:5000"),
    ],
)
def test_parse_reference(text, name, tag, digest, registry):
    reference = parse_reference(text)
    assert (reference.name, reference.tag, reference.digest) == (name, tag, digest)
    assert reference.registry == registry


def test_pull_tag_prefers_digest_then_tag_then_latest():
    assert parse_reference("img").pull_tag == "latest"
    assert parse_reference("img:v3").pull_tag == "v3"
    assert parse_reference(f"img:v3@{DIGEST}").pull_tag == DIGEST
    assert parse_reference("host:5000/img").pull_tag == "latest"  # the port is not a tag


def test_reference_text_round_trips():
    assert str(parse_reference("host:5000/img")) == "host:5000/img:latest"
    assert str(parse_reference(f"host:5000/img@{DIGEST}")) == f"host:5000/img@{DIGEST}"
    assert str(ImageReference("img", "v1", DIGEST)) == f"img:v1@{DIGEST}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Image reference is required"),
        ("   ", "Image reference is required"),
        ("Busybox", "Invalid repository name"),
        ("img:", "Invalid tag"),
        ("img:bad tag", "Invalid tag"),
        ("img@sha256:xyz", "Invalid digest"),
        ("img@", "Invalid digest"),
        ("host:5000/", "Invalid repository name"),
        ("host:port/img", "Invalid registry"),
        ("img//x", "Invalid repository name"),
        ("-img", "Invalid repository name"),
        ("a" * 600, "longer than 512"),
    ],
)
def test_invalid_references(text, message):
    with pytest.raises(InvalidReference, match=message):
        parse_reference(text)


@pytest.mark.parametrize(
    "value", ["abc", "sha256:" + "a" * 64, "host:5000/team/app:v1", f"app@{DIGEST}", "a" * 256]
)
def test_image_id_accepts(value):
    assert image_id(value) == value


@pytest.mark.parametrize("value", ["", "-x", ".x", "a..b", "x/../y", "a b", "a" * 257, "x;rm"])
def test_image_id_rejects(value):
    with pytest.raises(InvalidParameter) as caught:
        image_id(value)
    assert caught.value.detail == "Invalid image ID"


@pytest.mark.parametrize("value", ["", "_x", "a/b", "a:b", "a" * 129, "x y"])
def test_volume_and_network_names_reject(value):
    with pytest.raises(InvalidParameter) as caught:
        volume_name(value)
    assert caught.value.detail == "Invalid volume name"
    with pytest.raises(InvalidParameter) as caught:
        network_id(value)
    assert caught.value.detail == "Invalid network ID"


def test_volume_name_accepts_the_spec_charset():
    assert volume_name("a") == "a"
    assert volume_name("Data_1.v-2") == "Data_1.v-2"
    assert volume_name("a" * 128) == "a" * 128
