//! German defaults (formal "Sie").

use crate::messages::MsgKey::{self, *};

pub(crate) fn text(key: MsgKey) -> &'static str {
    match key {
        LauncherOpenLabel => "Chat öffnen",
        LauncherUnreadLabel => "Chat öffnen, ungelesene Nachrichten: {{count}}",
        LauncherCloseLabel => "Chat schließen",
        WindowTitle => "Chatten Sie mit uns",
        MinimizeLabel => "Chat minimieren",
        EndConversationLabel => "Unterhaltung beenden",
        ComposerPlaceholder => "Nachricht eingeben…",
        ComposerLabel => "Nachricht",
        SendLabel => "Senden",
        AttachLabel => "Datei anhängen",
        QuickRepliesLabel => "Antwortvorschläge",
        SenderVisitor => "Sie",
        SenderBot => "Bot",
        SenderAgent => "Kundenservice",
        StatusWaiting => "Wartet auf Verbindung…",
        StatusSending => "Wird gesendet…",
        StatusSent => "Gesendet",
        StatusDelivered => "Zugestellt",
        StatusRead => "Gelesen",
        StatusFailed => "Nicht gesendet",
        NewMessagesLabel => "Neue Nachrichten",
        ShowEarlier => "Frühere Nachrichten anzeigen",
        EarlierNotKept => "Frühere Nachrichten werden nicht aufbewahrt.",
        StartNewChat => "Neuen Chat starten",
        BotFallback => {
            "Entschuldigung, das habe ich nicht verstanden. Können Sie es anders formulieren?"
        }
        BotOfferHandoff => {
            "Entschuldigung, ich verstehe Sie leider nicht richtig. Möchten Sie mit jemandem aus unserem Team sprechen?"
        }
        BotOfferHandoffAccept => "Mit einer Person sprechen",
        BotOfferHandoffDecline => "Nein, danke",
        BotUnavailable => {
            "Unser Assistent ist gerade leider nicht erreichbar. Bitte versuchen Sie es gleich noch einmal."
        }
        HandoffUtterance => "Kein Problem, ich verbinde Sie jetzt mit jemandem aus unserem Team.",
        ConnectingToAgent => "Sie werden verbunden…",
        PreChatTitle => "Bevor es losgeht",
        PreChatIntro => {
            "Bitte beschreiben Sie kurz Ihr Anliegen, damit wir Sie mit der richtigen Person verbinden können."
        }
        PreChatNameLabel => "Ihr Name",
        PreChatEmailLabel => "E-Mail-Adresse",
        PreChatTopicLabel => "Thema",
        PreChatTopicPlaceholder => "Thema auswählen",
        PreChatDescriptionLabel => "Wie können wir Ihnen helfen?",
        PreChatSubmit => "Chat starten",
        PreChatCancel => "Abbrechen",
        PreChatRequired => "Dieses Feld ist erforderlich.",
        PreChatInvalidEmail => "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        PreChatInvalidNumber => "Bitte geben Sie eine Zahl ein.",
        PreChatInvalidPhone => "Bitte geben Sie eine Telefonnummer ein.",
        PreChatTooShort => "Bitte geben Sie mindestens {{min}} Zeichen ein.",
        PreChatTooLong => "Bitte geben Sie höchstens {{max}} Zeichen ein.",
        VisitorDefaultName => "Website-Besucher",
        IdentityRequired => "Bitte melden Sie sich an, um mit einem Mitarbeiter zu chatten.",
        NoAgentAvailable => {
            "Zurzeit ist leider niemand erreichbar. Bitte kontaktieren Sie uns später noch einmal."
        }
        ChatRequestFailed => "Die Chat-Anfrage ist fehlgeschlagen. Grund: {{reason}}",
        QueuePosition => "Ihre Position in der Warteschlange: {{position}}",
        EstimatedWait => "Geschätzte Wartezeit: {{wait}}",
        WaitTimeout => {
            "Entschuldigen Sie die Wartezeit. Unser Team ist noch beschäftigt. Möchten Sie weiter warten?"
        }
        WaitTimeoutKeepWaiting => "Weiter warten",
        WaitTimeoutLeave => "Chat verlassen",
        AgentJoined => "{{agentName}} ist dem Chat beigetreten.",
        AgentGreeting => "",
        AgentTyping => "{{agentName}} schreibt…",
        TransferInProgress => "Ihr Chat wird weitergeleitet…",
        TransferredToAgent => "Ihr Chat wurde an {{agentName}} weitergeleitet.",
        SecondAgentJoined => "{{agentName}} ist der Unterhaltung beigetreten.",
        SecondAgentLeft => "{{agentName}} hat die Unterhaltung verlassen.",
        AgentLeft => "Ihr Ansprechpartner hat den Chat verlassen.",
        AgentEnded => "Ihr Ansprechpartner hat den Chat beendet.",
        VisitorEnded => "Sie haben den Chat beendet.",
        ChatEnded => "Der Chat wurde beendet.",
        IdleTimeoutWarning => {
            "Sind Sie noch da? Der Chat wird bald beendet, wenn keine Aktivität erfolgt."
        }
        IdleTimeoutEnded => "Der Chat wurde wegen Inaktivität beendet.",
        ConnectionLost => "Die Verbindung wurde unterbrochen.",
        Reconnecting => "Verbindung wird wiederhergestellt…",
        ConnectionRestored => "Verbindung wiederhergestellt.",
        MessageFailed => "Ihre Nachricht konnte nicht gesendet werden.",
        MessageRetry => "Erneut versuchen",
        AttachmentTooLarge => {
            "Die Datei „{{fileName}}“ ist zu groß. Die maximale Größe beträgt {{maxSize}}."
        }
        AttachmentTypeNotAllowed => {
            "Die Datei „{{fileName}}“ kann nicht gesendet werden: Dieser Dateityp ist nicht erlaubt."
        }
        FileRequestUnavailable => "{{agentName}} hat um eine Datei gebeten, aber in diesem Chat können keine Dateien gesendet werden.",
        SessionExpired => "Ihre Chat-Sitzung ist abgelaufen. Bitte starten Sie einen neuen Chat.",
        ConfigurationError => "Der Chat ist nicht richtig konfiguriert: {{reason}}",
        ReasonNoAgents => "Zurzeit ist niemand verfügbar.",
        ReasonNoPost => "Die Chat-Anfrage konnte nicht zugestellt werden.",
        ReasonInternalFailure => "Auf dem Chat-Server ist ein interner Fehler aufgetreten.",
        ReasonBlocked => "Die Chat-Anfrage wurde blockiert.",
        ReasonUnknown => "Ein unbekannter Fehler ist aufgetreten.",
        ReasonSubmissionError => "Die Chat-Anfrage konnte nicht übermittelt werden.",
        ReasonRoutingError => "Die Chat-Anfrage konnte niemandem zugewiesen werden.",
        ReasonAgentTimeout => "Niemand hat den Chat rechtzeitig angenommen.",
        ReasonIdleTimeout => "Der Chat war zu lange inaktiv.",
        ReasonOther => "Ein unerwarteter Fehler ist aufgetreten (Code: {{code}}).",
    }
}
