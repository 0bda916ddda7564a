"""Learning-rate schedules: plain functions of the step number."""


def inverse_time_decay(learning_rate, decay):
    """The chapter's decay, ``lr * (1 / (1 + decay * step))``, in Python float arithmetic.

    >>> schedule = inverse_time_decay(1.0, 0.1)
    >>> schedule(20)
    0.3333333333333333
    """

    def schedule(step):
        return learning_rate * (1.0 / (1.0 + decay * step))

    return schedule
