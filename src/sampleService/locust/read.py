"""The walk-through's /read load: users that each ask for /read, then wait a little."""
from locust import HttpUser, between, task


class ReadUser(HttpUser):
    wait_time = between(0.1, 0.3)

    @task
    def read(self):
        self.client.get("/read")
