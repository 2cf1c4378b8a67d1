"""E-mailing the weekly HTML through an alert mail channel (`[profiles.exports] email_channel`)."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime

from listener.alerts.channels import EmailChannel, build_channel
from listener.config.alerts import ChannelConfig
from listener.config.settings import Config, ConfigError, ProfileConfig
from listener.exports.html_export import render_html
from listener.exports.markdown_export import render_markdown
from listener.exports.model import WeeklySummary
from listener.exports.writer import file_stem


class ExportMailError(Exception):
    """The weekly summary could not be handed to the mail channel."""


def find_channel(config: Config, name: str) -> ChannelConfig:
    """The email `[[channels]]` entry called `name`, or a ConfigError naming the key."""
    for channel in config.channels:
        if channel.name == name:
            if channel.kind != "email":
                raise ConfigError(f"{config.path}: profiles.exports.email_channel = {name!r}: that channel is a "
                                  f"{channel.kind} channel; the weekly summary needs an email one")
            return channel
    names = ", ".join(c.name for c in config.channels) or "none"
    raise ConfigError(f"{config.path}: profiles.exports.email_channel = {name!r}: no [[channels]] entry "
                      f"has that name (channels: {names})")


def exports_problems(config: Config) -> list[str]:
    """Cross-section checks the per-profile model cannot make: every email_channel names an email channel."""
    problems = []
    for profile in config.profiles:
        if profile.exports.email_channel is not None:
            try:
                find_channel(config, profile.exports.email_channel)
            except ConfigError as error:
                problems.append(f"profile {profile.name!r}: {error}")
    return problems


def weekly_message(summary: WeeklySummary, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """Markdown as the text part, the page as the HTML part and as an attachment (mail readers drop SVG)."""
    message = EmailMessage()
    message["Subject"] = f"Weekly engagement summary: {summary.profile}, {summary.week.label}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(summary.generated_at)
    domain = sender.rsplit("@", 1)[-1]
    message["Message-ID"] = f"<ror-weekly-{file_stem(summary)}.{int(summary.generated_at.timestamp())}@{domain}>"
    page = render_html(summary)
    message.set_content(render_markdown(summary))
    message.add_alternative(page, subtype="html")
    message.add_attachment(page.encode("utf-8"), maintype="text", subtype="html", filename=f"{file_stem(summary)}.html")
    return message


def send_through_alert_channel(config: Config, channel: ChannelConfig, message: EmailMessage) -> None:
    """Send a prepared mail through an alerts email channel (it owns SMTP, TLS and the credentials)."""
    built = build_channel(channel, base_dir=config.path.parent)
    if not isinstance(built, EmailChannel):
        raise ExportMailError(f"channel {channel.name!r} is a {channel.kind} channel: "
                              "the weekly mail needs an email one")
    built.send_mail(message)


def mail_weekly_summary(config: Config, profile: ProfileConfig, summary: WeeklySummary) -> bool:
    """Send the summary to the profile's email_channel (to email_to, else the channel's own list); False if none."""
    name = profile.exports.email_channel
    if name is None:
        return False
    channel = find_channel(config, name)
    recipients = profile.exports.email_to or channel.to
    send_through_alert_channel(config, channel, weekly_message(summary, channel.from_address or "", recipients))
    return True
