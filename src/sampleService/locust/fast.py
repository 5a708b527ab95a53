"""The walk-through's /fast load: users that each ask for /fast, then wait a little."""
from locust import HttpUser, between, task


class FastUser(HttpUser):
    wait_time = between(0.1, 0.3)

    @task
    def fast(self):
        self.client.get("/fast")
