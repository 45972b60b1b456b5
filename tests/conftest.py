pytest_plugins = [
    "tests.fake_discord.fixtures",
    "tests.discord_fixtures",
    "tests.cli.processes",
    "tests.inprocess",
    "tests.postgres",
]
