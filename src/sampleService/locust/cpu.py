"""The walk-through's /cpu load: users that each ask for /cpu, then wait a little."""
from locust import HttpUser, between, task


class CpuUser(HttpUser):
    wait_time = between(0.1, 0.3)

    @task
    def cpu(self):
        self.client.get("/cpu")
