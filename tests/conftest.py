pytest_plugins = ["tests.fake_discord.fixtures"]
