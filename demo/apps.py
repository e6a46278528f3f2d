from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Commands that build data across every app (seed_demo, seed_scale): above them all."""

    name = "demo"
