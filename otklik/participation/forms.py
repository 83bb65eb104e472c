"""Forms of the officers' pages and of the residents' public pages."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms

from otklik.participation.models import Comment, Discussion, ModerationReason, Poll, Proposal, Question
from otklik.participation.uploads import check_document
from otklik.territory.models import Municipality, Settlement

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
COMMENT_MAX = 5000
TEXT_ANSWER_MAX = 2000


def _municipality_field(municipalities: list[Municipality]) -> forms.ModelChoiceField[Municipality]:
    return forms.ModelChoiceField(
        label="Муниципальное образование",
        queryset=Municipality.objects.filter(pk__in=[m.pk for m in municipalities]).order_by("name"),
        empty_label=None,
    )


class _TerritoryForm(forms.Form):
    settlements = forms.ModelMultipleChoiceField(
        label="Поселения",
        queryset=Settlement.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Не отмечено ни одно — участвуют все поселения.",
    )

    def _setup_territory(self, municipalities: list[Municipality], fixed: Municipality | None) -> None:
        field: Any = self.fields["settlements"]
        if fixed is not None:
            field.queryset = Settlement.objects.filter(municipality=fixed).order_by("name")
        else:
            self.fields["municipality"] = _municipality_field(municipalities)
            self.order_fields(["municipality"])
            field.queryset = Settlement.objects.filter(municipality__in=municipalities).order_by(
                "municipality__name", "name"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        muni = data.get("municipality") or getattr(self, "fixed_municipality", None)
        if muni is not None and any(s.municipality_id != muni.pk for s in data.get("settlements") or []):
            self.add_error(
                "settlements", "Отмеченные поселения относятся к другому муниципальному образованию."
            )
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "Окончание должно быть позже начала.")
        return data


class PollForm(_TerritoryForm):
    kind = forms.ChoiceField(label="Вид", choices=Poll.Kind.choices)
    title = forms.CharField(label="Название", max_length=300)
    description = forms.CharField(
        label="Описание для жителей", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(label="Начало", widget=DATETIME)
    ends_at = forms.DateTimeField(label="Окончание", widget=DATETIME)
    is_anonymous = forms.TypedChoiceField(
        label="Участие",
        choices=[("1", "анонимное: хранится только свёртка адреса"), ("0", "именное: фамилия, имя и адрес")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    show_live_results = forms.BooleanField(label="Показывать жителям промежуточные итоги", required=False)

    def __init__(
        self, *args: Any, municipalities: list[Municipality], fixed: Municipality | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_municipality = fixed
        self._setup_territory(municipalities, fixed)


class PollEditForm(forms.Form):
    """A published poll: only the title, the description and the end may change."""

    title = forms.CharField(label="Название", max_length=300)
    description = forms.CharField(
        label="Описание для жителей", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    ends_at = forms.DateTimeField(label="Окончание", widget=DATETIME)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Вопрос", max_length=500)
    kind = forms.ChoiceField(label="Вид ответа", choices=Question.Kind.choices)
    options = forms.CharField(
        label="Варианты ответа",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="По одному в строке — для вопросов с вариантами.",
    )
    required = forms.BooleanField(label="Обязательный вопрос", required=False, initial=True)
    scale_min = forms.IntegerField(label="Шкала от", initial=1, min_value=-10, max_value=10)
    scale_max = forms.IntegerField(label="Шкала до", initial=5, min_value=-10, max_value=20)
    scale_min_label = forms.CharField(label="Подпись начала шкалы", max_length=100, required=False)
    scale_max_label = forms.CharField(label="Подпись конца шкалы", max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        options = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(options) < 2:
            self.add_error("options", "Укажите хотя бы два варианта ответа, по одному в строке.")
        if any(len(o) > 300 for o in options):
            self.add_error("options", "Вариант ответа длиннее 300 знаков: сократите его.")
        data["option_list"] = options
        return data


class DiscussionForm(_TerritoryForm):
    title = forms.CharField(label="Тема обсуждения", max_length=300)
    description = forms.CharField(label="Что обсуждается", widget=forms.Textarea(attrs={"rows": 6}))
    starts_at = forms.DateTimeField(label="Приём комментариев с", widget=DATETIME)
    ends_at = forms.DateTimeField(label="Приём комментариев до", widget=DATETIME)
    rules = forms.CharField(
        label="Правила комментирования",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Пусто — стандартные правила.",
    )

    def __init__(
        self, *args: Any, municipalities: list[Municipality], fixed: Municipality | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_municipality = fixed
        self._setup_territory(municipalities, fixed)


class DiscussionEditForm(forms.Form):
    description = forms.CharField(label="Что обсуждается", widget=forms.Textarea(attrs={"rows": 6}))
    ends_at = forms.DateTimeField(label="Приём комментариев до", widget=DATETIME)


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label="Итог обсуждения (для протокола)", widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label="Название документа", max_length=300, required=False)
    file = forms.FileField(
        label="Файл (PDF, DOCX или ODT, до 20 МБ)",
        error_messages={"required": "Выберите файл документа."},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = check_document(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(
        label="Причина отклонения",
        queryset=ModerationReason.objects.filter(is_active=True),
        empty_label="— выберите причину —",
        error_messages={"required": "Выберите причину отклонения из правил модерации."},
    )
    note = forms.CharField(label="Пояснение", required=False, max_length=1000, widget=forms.TextInput())


class ProposalForm(forms.Form):
    summary = forms.CharField(
        label="Суть предложения", widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    comments = forms.ModelMultipleChoiceField(
        label="Комментарии",
        queryset=Comment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, discussion: Discussion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["comments"]
        field.queryset = discussion.comments.filter(status=Comment.Status.PUBLISHED, proposal__isnull=True)


class ResponseForm(forms.Form):
    summary = forms.CharField(
        label="Суть предложения", widget=forms.Textarea(attrs={"rows": 2}), max_length=3000
    )
    decision = forms.ChoiceField(label="Решение", choices=[("", "— выберите —"), *Proposal.Decision.choices])
    response = forms.CharField(label="Ответ администрации", widget=forms.Textarea(attrs={"rows": 3}))


class PlatformFileForm(forms.Form):
    file = forms.FileField(
        label="Файл итогов ПОС (XLSX или CSV)", error_messages={"required": "Выберите файл."}
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in (".xlsx", ".csv", ".txt"):
            raise forms.ValidationError("Нужен файл XLSX или CSV.")
        if upload.size and upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("Файл больше 20 МБ.")
        return upload


# --- public forms -----------------------------------------------------------------------------------


class Honeypot(forms.Form):
    # Hidden from people (CSS, aria-hidden, no tab stop), filled in by form-filling bots.
    website = forms.CharField(
        required=False,
        label="Не заполняйте это поле",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(
                "Форма не отправлена: заполнено скрытое служебное поле. "
                "Обновите страницу и попробуйте снова.",
                code="honeypot",
            )
        return data


class ContactForm(Honeypot):
    contact = forms.CharField(
        label="Электронная почта",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
        error_messages={"required": "Укажите адрес электронной почты."},
    )

    def __init__(self, *args: Any, phones: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if phones:
            field = self.fields["contact"]
            field.label = "Электронная почта или мобильный телефон"
            field.error_messages["required"] = (
                "Укажите адрес электронной почты или номер мобильного телефона."
            )
            field.widget.attrs.update({"autocomplete": "email", "inputmode": "text"})


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Код из сообщения",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 -]*"}
        ),
        error_messages={"required": "Введите шесть цифр кода."},
    )


class BallotForm(forms.Form):
    """The poll's questions, the settlement and (a named poll) the name and the consent."""

    def __init__(self, *args: Any, poll: Poll, settlements: list[Settlement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll = poll
        self.questions = list(poll.questions.prefetch_related("options"))
        self.fields["settlement"] = forms.TypedChoiceField(
            label="Ваше поселение",
            choices=[("", "— выберите —"), *((str(s.pk), s.name) for s in settlements)],
            coerce=int,
            error_messages={
                "required": "Выберите своё поселение.",
                "invalid_choice": "Выберите поселение из списка.",
            },
        )
        for q in self.questions:
            name = f"q{q.pk}"
            required_msg = {"required": "Ответьте на этот вопрос."}
            field: forms.Field
            if q.kind == Question.Kind.SINGLE:
                field = forms.TypedChoiceField(
                    choices=[(str(o.pk), o.text) for o in q.options.all()],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=q.required,
                    error_messages=required_msg,
                )
            elif q.kind == Question.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=[(str(o.pk), o.text) for o in q.options.all()],
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                    required=q.required,
                    error_messages={"required": "Выберите хотя бы один вариант."},
                )
            elif q.kind == Question.Kind.SCALE:
                field = forms.TypedChoiceField(
                    choices=[(str(v), str(v)) for v in q.scale_values],
                    coerce=int,
                    widget=forms.RadioSelect,
                    required=q.required,
                    error_messages={"required": "Выберите оценку."},
                )
            else:
                field = forms.CharField(
                    max_length=TEXT_ANSWER_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    required=q.required,
                    error_messages={
                        **required_msg,
                        "max_length": f"Ответ длиннее {TEXT_ANSWER_MAX} знаков: сократите его.",
                    },
                )
            field.label = f"{q.order}. {q.text}"
            self.fields[name] = field
        if not poll.is_anonymous:
            self.fields["name"] = forms.CharField(
                label="Фамилия и имя",
                max_length=200,
                widget=forms.TextInput(attrs={"autocomplete": "name"}),
                error_messages={"required": "Опрос именной: укажите фамилию и имя."},
            )
            self.fields["consent"] = forms.BooleanField(
                label=(
                    "Согласен(на) на обработку моих фамилии, имени и контакта администрацией для учёта "
                    "моего ответа в именном опросе (Федеральный закон № 152-ФЗ)."
                ),
                error_messages={"required": "Для именного опроса нужно согласие на обработку данных."},
            )

    def question_fields(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[f"q{q.pk}"]) for q in self.questions]


class CommentForm(Honeypot):
    author_name = forms.CharField(
        label="Подпись под комментарием",
        max_length=120,
        help_text="Будет опубликована: например, «Анна, ул. Ленина» или «житель хутора Майоровский».",
        error_messages={"required": "Укажите, как подписать комментарий."},
    )
    settlement = forms.ModelChoiceField(
        label="Поселение", queryset=Settlement.objects.none(), required=False, empty_label="Не указывать"
    )
    text = forms.CharField(
        label="Комментарий или предложение",
        min_length=10,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Напишите комментарий.",
            "min_length": "Комментарий слишком короткий: хотя бы 10 знаков.",
            "max_length": f"Комментарий длиннее {COMMENT_MAX} знаков: сократите его.",
        },
    )

    def __init__(self, *args: Any, settlements: list[Settlement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["settlement"]
        field.queryset = Settlement.objects.filter(pk__in=[s.pk for s in settlements]).order_by("name")
