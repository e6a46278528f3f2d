import datetime

import factory

from accounts.enums import OrganisationKind, Role
from accounts.models import Membership, Organisation, User
from inventory.models import CollectionBatch, Device, Donor, Location
from inventory.services import DeviceSpecs, batch_create, device_receive


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Atelier {n}")
    kind = OrganisationKind.WORKSHOP


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    password = factory.PostGenerationMethodCall("set_password", "pass-1234!")


def member(organisation: Organisation, role: str = Role.TECHNICIAN, **kwargs) -> User:
    user = UserFactory(**kwargs)
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor

    name = factory.Sequence(lambda n: f"Donateur {n}")
    workshop = factory.SubFactory(OrganisationFactory)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    zone = "Stock"
    shelf = factory.Sequence(lambda n: f"E{n}")


def make_batch(
    workshop: Organisation, donor: Donor | None = None, user=None, **kwargs
) -> CollectionBatch:
    donor = donor or DonorFactory(workshop=workshop)
    kwargs.setdefault("collected_on", datetime.date(2026, 11, 2))
    return batch_create(workshop=workshop, donor=donor, user=user, **kwargs)


_serial = iter(range(1, 10**9))


def make_device(batch: CollectionBatch, user=None, **spec_kwargs) -> Device:
    spec_kwargs.setdefault("device_type", "laptop")
    spec_kwargs.setdefault("manufacturer", "Lenovo")
    spec_kwargs.setdefault("model", "ThinkPad T480")
    spec_kwargs.setdefault("serial_number", f"SN{next(_serial):08d}")
    return device_receive(batch=batch, specs=DeviceSpecs(**spec_kwargs), user=user)
