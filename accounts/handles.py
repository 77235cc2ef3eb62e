"""Public handles such as ``brave-otter-042``: readable, unguessable enough, never the username."""

from __future__ import annotations

import secrets

ADJECTIVES = """
able agile amber bold brave bright brisk calm candid clever cosmic crisp curious daring
deft eager earnest fair fearless fleet fond frank gentle glad golden grand hardy honest
humble jolly keen kind lively loyal lucid lucky merry mighty modest nimble noble patient
placid plucky polite proud quick quiet rapid ready regal robust rosy rugged serene sharp
shy silent silver sincere sleek smart snappy solid sound spry steady stellar stout
sturdy sunny swift tidy tranquil trusty upbeat valiant vivid warm wise witty zealous
zesty
""".split()
ANIMALS = """
badger bat bear beaver bison boar bobcat camel caribou cheetah cobra condor coyote crane
crow deer dingo dolphin dove eagle egret elk falcon ferret finch fox gazelle gecko
gibbon giraffe gull hare hawk hedgehog heron hippo ibis iguana jackal jaguar kestrel
koala lemur leopard lion llama lynx magpie marmot marten mink mole moose newt ocelot
orca osprey otter owl panda panther parrot pelican penguin puffin puma quail rabbit
raven seal shark sloth sparrow squid stork swan tapir tiger toucan turtle viper walrus
weasel whale wolf wombat yak zebra
""".split()


def random_handle() -> str:
    """One candidate handle; callers retry on the (rare) collision with an existing one."""
    adjective = secrets.choice(ADJECTIVES)
    animal = secrets.choice(ANIMALS)
    return f"{adjective}-{animal}-{secrets.randbelow(1000):03d}"
