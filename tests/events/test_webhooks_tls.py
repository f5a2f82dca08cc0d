"""An https endpoint: the sender connects to the address it checked and verifies the certificate for the URL's
host name (SNI and hostname check), so pinning the address does not weaken TLS."""

import datetime as dt
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook as Verifier

from events import webhooks
from events.models import DeliveryAttempt
from tests.events.webhook_support import change, received, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def certificate(tmp_path, name):
    """A self-signed certificate for `name`: (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path, webhook_settings, monkeypatch):
    cert_file, key_file = certificate(tmp_path, "hooks.fleet.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    webhook_settings.WEBHOOK_CA_BUNDLE = str(cert_file)
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in ("hooks.fleet.test", "other.fleet.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_an_https_endpoint_receives_a_verified_delivery(workspace, tls_receiver):
    tls_receiver.expect_request("/hook").respond_with_data("ok")
    url = f"https://hooks.fleet.test:{tls_receiver.port}/hook"
    webhook, secret = webhooks.create(workspace.pk, url, ["api_client.created"])
    change(workspace)
    run_worker()
    (request,) = received(tls_receiver)
    assert request.headers["Host"] == f"hooks.fleet.test:{tls_receiver.port}"
    Verifier(secret).verify(request.get_data(as_text=True), dict(request.headers))
    assert DeliveryAttempt.objects.get().status == 200


def test_a_certificate_for_another_name_fails(workspace, tls_receiver):
    tls_receiver.expect_request("/hook").respond_with_data("ok")
    url = f"https://other.fleet.test:{tls_receiver.port}/hook"  # same address, the certificate is not for it
    webhooks.create(workspace.pk, url, ["api_client.created"])
    change(workspace)
    run_worker()
    assert received(tls_receiver) == []
    errors = list(DeliveryAttempt.objects.values_list("error", flat=True))
    assert errors and all("connection failed" in e for e in errors), errors
