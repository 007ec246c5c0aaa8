"""The broker side (Redis Streams through FastStream): the consumer and its screening workers, the
consumer groups and their guard, the trimmer, the dead-letter box, the relay of accepted facts, and
the AsyncAPI document of the streams."""
