"""Mail over SMTP: STARTTLS (the certificate checked) and a login, the password as ``env:NAME``.

The standard library's client runs in a worker thread, so the screen's loop never waits on the
mail server; every step is bounded by the destination's timeout. A 4xx answer or a lost
connection is worth retrying; a refused login, a refused recipient, a server without STARTTLS or
a certificate that does not check out is final until the configuration changes.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from cockpit.delivery.attempt import NotSent, Sent, Update, said, secret
from cockpit.settings import EmailDestination


def message(update: Update, destination: EmailDestination) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = destination.sender
    mail["To"] = ", ".join(destination.to)
    title = update.title or "Incident"
    mail["Subject"] = f"{title}: {update.status} ({update.audience} update)"
    mail["Date"] = format_datetime(update.posted_at)
    mail["Message-ID"] = make_msgid(domain=destination.sender.rsplit("@", 1)[-1])
    mail.set_content(update.text)
    return mail


def _words(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return said(f"{exc.smtp_code} {text}")


def _deliver(mail: EmailMessage, destination: EmailDestination, password: str | None) -> str:
    host = said(destination.host)
    timeout = destination.timeout.total_seconds()
    context = ssl.create_default_context(cafile=str(destination.ca_file) if destination.ca_file else None)
    try:
        with smtplib.SMTP(destination.host, destination.port, timeout=timeout) as smtp:
            smtp.ehlo()
            if destination.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if destination.username is not None and password is not None:
                smtp.login(destination.username, password)
            smtp.send_message(mail)
            return f"accepted by {host}:{destination.port}"
    except smtplib.SMTPNotSupportedError:
        raise NotSent(f"{host} does not offer STARTTLS; refusing to send the login in clear",
                      final=True) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise NotSent(f"{host} refused the login: {_words(exc)}", final=True) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{said(to)} ({code})" for to, (code, _) in exc.recipients.items())
        raise NotSent(f"{host} refused the recipients {refused}", final=True) from None
    except smtplib.SMTPResponseException as exc:
        raise NotSent(f"{host} answered {_words(exc)}", final=exc.smtp_code >= 500) from None
    except ssl.SSLCertVerificationError as exc:
        raise NotSent(f"the certificate of {host} does not check out: {said(exc.verify_message or str(exc))}",
                      final=True) from None
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        raise NotSent(f"{host} did not answer within {timeout:g} s" if isinstance(exc, TimeoutError)
                      else f"{host} closed the connection") from None
    except ConnectionRefusedError:
        raise NotSent(f"cannot connect to {host}:{destination.port} (refused)") from None
    except OSError as exc:
        raise NotSent(f"mailing through {host} failed: {said(exc.strerror or type(exc).__name__)}") from None


async def send(update: Update, destination: EmailDestination) -> Sent:
    password = secret(destination.password, "the password") if destination.password else None
    detail = await asyncio.to_thread(_deliver, message(update, destination), destination, password)
    return Sent(detail)
