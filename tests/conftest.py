pytest_plugins = ["tests.fake_discord.fixtures", "tests.discord_fixtures", "tests.inprocess"]
