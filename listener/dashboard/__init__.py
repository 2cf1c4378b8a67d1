"""The web dashboard and inbox: a server-rendered Starlette app over the project's own database."""

from listener.dashboard.app import create_app
from listener.dashboard.server import BindRefusedError, DashboardServer, check_bind

__all__ = ["BindRefusedError", "DashboardServer", "check_bind", "create_app"]
