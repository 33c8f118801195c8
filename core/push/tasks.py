"""Celery task of push: one Expo request per chunk of up to 100 messages."""

from celery import shared_task

from core.push import delivery


@shared_task(name="core.push.send_chunk", ignore_result=True)
def send_chunk(org_id: int, messages: list[dict]) -> dict:
    return delivery.send_chunk(org_id, messages)
