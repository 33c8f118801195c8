"""SigV4 against AWS's published examples: the signature-v4 test suite (credentials
AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service") and the IAM ListUsers
walkthrough of the AWS General Reference."""

from datetime import datetime

from core.integrations.adapters import sigv4

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime(2015, 8, 30, 12, 36, 0)


def suite(params):
    return sigv4.sign(
        "GET",
        "https://example.amazonaws.com/",
        params,
        access_key="AKIDEXAMPLE",
        secret_key=SECRET,
        region="us-east-1",
        service="service",
        now=WHEN,
    )


def test_suite_get_vanilla():
    url, headers = suite([])
    assert url == "https://example.amazonaws.com/"
    assert headers["x-amz-date"] == "20150830T123600Z"
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


def test_suite_get_vanilla_query_order_key_case():
    url, headers = suite([("Param2", "value2"), ("Param1", "value1")])
    assert url == "https://example.amazonaws.com/?Param1=value1&Param2=value2"
    assert headers["Authorization"].endswith(
        "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
    )


def test_iam_list_users_walkthrough():
    assert sigv4.signing_key(SECRET, "20150830", "us-east-1", "iam").hex() == (
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    )
    request, signed = sigv4.canonical_request(
        "GET",
        "/",
        sigv4.canonical_query([("Action", "ListUsers"), ("Version", "2010-05-08")]),
        {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Host": "iam.amazonaws.com",
            "X-Amz-Date": "20150830T123600Z",
        },
        b"",
    )
    assert signed == "content-type;host;x-amz-date"
    import hashlib

    assert hashlib.sha256(request.encode()).hexdigest() == (
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    )
    _, headers = sigv4.sign(
        "GET",
        "https://iam.amazonaws.com/",
        [("Action", "ListUsers"), ("Version", "2010-05-08")],
        access_key="AKIDEXAMPLE",
        secret_key=SECRET,
        region="us-east-1",
        service="iam",
        now=WHEN,
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    assert headers["Authorization"].endswith(
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def test_query_encoding_is_rfc3986():
    assert sigv4.canonical_query([("b", "a b"), ("a", "x/y+z~")]) == "a=x%2Fy%2Bz~&b=a%20b"
