"""Access: who takes part (organisations, users) and what each of them may see.

``organisations`` registers the bodies that submit and receive intelligence; ``users`` holds
their people and checks passwords; ``policy`` is the one place where visibility is decided,
``identity`` the one place where what a viewer is told of an offender or a vehicle is made;
``demo`` seeds demonstration logins. Import the module you need: this package's face stays
empty so that intake, which only needs ``organisations``, does not load password hashing.
"""
