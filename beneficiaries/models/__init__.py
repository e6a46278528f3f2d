from .core import (  # noqa: F401
    Allocation,
    DeviceTraining,
    EligibilityCriterion,
    Enrolment,
    ExemptionReason,
    Order,
    OrderLine,
    Payment,
    Person,
    Reservation,
    Structure,
    Tariff,
    TrainingModule,
    TrainingProgramme,
    TrainingSession,
    TrainingWaiver,
)
from .territories import Commune, Territory  # noqa: F401
