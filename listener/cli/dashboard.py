"""CLI commands for the web dashboard: `ror serve` and `ror users add|list|remove` (registered by listener.cli.main)."""

# No `from __future__ import annotations`: Typer evaluates the commands' annotations when it registers them.

import os
from typing import Annotated

import typer

from listener.cli.app import ConfigOption, config_and_engine, err, handles_errors, out

EXIT_REFUSED = 8
RoleOption = Annotated[str, typer.Option("--role", "-r",
                                         help="viewer (read only), editor (inbox and alerts) or admin.")]
PasswordEnvOption = Annotated[str | None, typer.Option(
    "--password-env", help="Read the password from this environment variable instead of prompting.")]


def register(app: typer.Typer) -> None:
    """Add `ror serve` and `ror users ...` to the main app."""

    @app.command(help="Serve the web dashboard (overview, explain, inbox, people, alerts, sources, reports).\n\n"
                      "Listens on 127.0.0.1 by default, where no login is needed until a user exists. Listening on "
                      "any other address needs an admin user (`ror users add NAME --role admin`); exit 8 otherwise.")
    @handles_errors
    def serve(config: ConfigOption = None,
              host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default: the "
                                                       "config's dashboard.host, else 127.0.0.1).")] = None,
              port: Annotated[int | None, typer.Option("--port", min=0, max=65535, help="Port (default: the "
                                                       "config's dashboard.port, else 8321).")] = None,
              proxy_headers: Annotated[bool, typer.Option("--proxy-headers", help="Trust X-Forwarded-Proto/For "
                                                          "from a reverse proxy on 127.0.0.1.")] = False) -> None:
        """`ror serve`: the dashboard in the foreground until Ctrl-C."""
        from listener.config.dashboard import DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT
        from listener.dashboard import BindRefusedError, DashboardServer

        loaded, engine = config_and_engine(config)
        settings = loaded.dashboard
        chosen_host = host or settings.host or DEFAULT_DASHBOARD_HOST
        chosen_port = port if port is not None else settings.port or DEFAULT_DASHBOARD_PORT
        try:
            server = DashboardServer(loaded, engine, chosen_host, chosen_port, proxy_headers=proxy_headers)
        except BindRefusedError as error:
            err.print(f"[red]refused:[/red] {error}", highlight=False)
            raise typer.Exit(EXIT_REFUSED) from None
        out.print(f"dashboard on {server.url}/ (Ctrl-C to stop)", highlight=False)
        server.run()

    users_app = typer.Typer(help="Dashboard users: who may log in, with which role.", no_args_is_help=True)
    app.add_typer(users_app, name="users")

    @users_app.command("add")
    @handles_errors
    def add(name: Annotated[str, typer.Argument(help="Login name.")], role: RoleOption = "viewer",
            config: ConfigOption = None, password_env: PasswordEnvOption = None) -> None:
        """Add a user; the password is asked twice (or read from --password-env) and stored as an argon2 hash."""
        from listener.dashboard.users import UserError, add_user

        _, engine = config_and_engine(config)
        if password_env:
            password = os.environ.get(password_env, "")
            if not password:
                err.print(f"[red]error:[/red] environment variable {password_env} is not set", highlight=False)
                raise typer.Exit(2)
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            add_user(engine, name, role, password)
        except UserError as error:
            err.print(f"[red]error:[/red] {error}", highlight=False)
            raise typer.Exit(2) from None
        out.print(f"added {name} ({role})", highlight=False, markup=False)

    @users_app.command("list")
    @handles_errors
    def list_command(config: ConfigOption = None) -> None:
        """List the users and their roles."""
        from listener.dashboard.users import list_users

        _, engine = config_and_engine(config)
        users = list_users(engine)
        for user in users:
            out.print(f"{user['name']}\t{user['role']}\t{user['created_at'][:16]}", highlight=False, markup=False)
        if not users:
            out.print("no users: the dashboard needs no login on 127.0.0.1 and refuses other addresses")

    @users_app.command("remove")
    @handles_errors
    def remove(name: Annotated[str, typer.Argument(help="Login name.")], config: ConfigOption = None) -> None:
        """Remove a user and end their sessions."""
        from listener.dashboard.users import remove_user

        _, engine = config_and_engine(config)
        if not remove_user(engine, name):
            err.print(f"[red]error:[/red] no user called {name!r}", highlight=False)
            raise typer.Exit(2)
        out.print(f"removed {name}", highlight=False, markup=False)
