"""Chat webhook payloads: Slack (Block Kit, mrkdwn escaped) and Teams (an Adaptive Card message)."""

from __future__ import annotations

import re
from typing import Any

from listener.alerts.content import AlertMessage, item_byline, item_score, safe_url

SLACK_TEXT_LIMIT = 2900  # a section's text may hold 3000 characters
MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def slack_escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives meaning to (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_escape(text: str) -> str:
    """Backslash-escape Markdown punctuation so user text cannot make links or formatting."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


def _slack_item(item: dict[str, Any], timezone: str | None) -> str:
    who = slack_escape(item_byline(item, timezone))
    link = safe_url(item.get("url"))
    if link and "|" not in link and ">" not in link:
        who = f"<{slack_escape(link)}|{who}>"
    return f"• `{item_score(item)}` {who}: {slack_escape(item.get('text') or '')}"


def slack_payload(message: AlertMessage) -> dict[str, Any]:
    """An incoming-webhook message for Slack (and Mattermost, Rocket.Chat, which read the same)."""
    facts = "\n".join(f"*{slack_escape(k)}:* {slack_escape(v)}" for k, v in message.lines)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": facts[:SLACK_TEXT_LIMIT] or " "}},
    ]
    if message.items:
        lines = [f"*{message.items_heading}:*"]
        lines += [_slack_item(item, message.facts.get("timezone")) for item in message.items]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:SLACK_TEXT_LIMIT]}})
    context = [message.note] if message.note else []
    context.append(f"alert #{message.alert_id} · profile {message.profile}")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(" · ".join(context))}]})
    return {"text": slack_escape(message.title), "blocks": blocks}


def _teams_item(item: dict[str, Any], timezone: str | None) -> dict[str, Any]:
    who = markdown_escape(item_byline(item, timezone))
    link = safe_url(item.get("url"))
    if link and ")" not in link:
        who = f"[{who}]({link})"
    text = f"**{item_score(item)}** {who}: {markdown_escape(item.get('text') or '')}"
    return {"type": "TextBlock", "text": text, "wrap": True, "spacing": "Small"}


def teams_payload(message: AlertMessage) -> dict[str, Any]:
    """A Teams Workflows / incoming-webhook message carrying one Adaptive Card."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": markdown_escape(message.title), "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "FactSet",
         "facts": [{"title": markdown_escape(k), "value": markdown_escape(v)} for k, v in message.lines]},
    ]
    if message.items:
        body.append({"type": "TextBlock", "text": f"**{message.items_heading}**", "wrap": True})
        body += [_teams_item(item, message.facts.get("timezone")) for item in message.items]
    if message.note:
        body.append({"type": "TextBlock", "text": markdown_escape(message.note), "isSubtle": True, "wrap": True})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}
    return {"type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                             "content": card}]}
