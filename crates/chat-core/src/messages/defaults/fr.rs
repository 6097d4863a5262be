//! French defaults (vouvoiement; `\u{a0}` before `:` and inside « », `\u{202f}` before `?`).

use crate::messages::MsgKey::{self, *};

pub(crate) fn text(key: MsgKey) -> &'static str {
    match key {
        LauncherOpenLabel => "Ouvrir le chat",
        LauncherUnreadLabel => "Ouvrir le chat, messages non lus\u{a0}: {{count}}",
        LauncherCloseLabel => "Fermer le chat",
        WindowTitle => "Discutez avec nous",
        MinimizeLabel => "Réduire le chat",
        EndConversationLabel => "Terminer la conversation",
        ComposerPlaceholder => "Écrivez votre message…",
        ComposerLabel => "Message",
        SendLabel => "Envoyer",
        AttachLabel => "Joindre un fichier",
        QuickRepliesLabel => "Réponses suggérées",
        SenderVisitor => "Vous",
        SenderBot => "Bot",
        SenderAgent => "Conseiller",
        StatusWaiting => "En attente de connexion…",
        StatusSending => "Envoi en cours…",
        StatusSent => "Envoyé",
        StatusDelivered => "Remis",
        StatusRead => "Lu",
        StatusFailed => "Non envoyé",
        NewMessagesLabel => "Nouveaux messages",
        ShowEarlier => "Afficher les messages précédents",
        EarlierNotKept => "Les messages précédents ne sont pas conservés.",
        StartNewChat => "Démarrer une nouvelle conversation",
        BotFallback => "Désolé, je n'ai pas compris. Pourriez-vous reformuler\u{202f}?",
        BotOfferHandoff => {
            "Désolé, j'ai du mal à vous comprendre. Souhaitez-vous parler à l'un de nos conseillers\u{202f}?"
        }
        BotOfferHandoffAccept => "Parler à un conseiller",
        BotOfferHandoffDecline => "Non merci",
        BotUnavailable => {
            "Désolé, notre assistant est momentanément indisponible. Veuillez réessayer dans un instant."
        }
        HandoffUtterance => {
            "Pas de problème, je vous mets en relation avec l'un de nos conseillers."
        }
        ConnectingToAgent => "Mise en relation avec un conseiller…",
        PreChatTitle => "Avant de commencer",
        PreChatIntro => {
            "Dites-nous en quelques mots l'objet de votre demande afin que nous vous mettions en relation avec la bonne personne."
        }
        PreChatNameLabel => "Votre nom",
        PreChatEmailLabel => "Adresse e-mail",
        PreChatTopicLabel => "Sujet",
        PreChatTopicPlaceholder => "Choisissez un sujet",
        PreChatDescriptionLabel => "Comment pouvons-nous vous aider\u{202f}?",
        PreChatSubmit => "Démarrer le chat",
        PreChatCancel => "Annuler",
        PreChatRequired => "Ce champ est obligatoire.",
        PreChatInvalidEmail => "Veuillez saisir une adresse e-mail valide.",
        PreChatInvalidNumber => "Veuillez saisir un nombre.",
        PreChatInvalidPhone => "Veuillez saisir un numéro de téléphone.",
        PreChatTooShort => "Veuillez saisir au moins {{min}} caractères.",
        PreChatTooLong => "Veuillez saisir au plus {{max}} caractères.",
        VisitorDefaultName => "Visiteur du site",
        IdentityRequired => "Veuillez vous connecter pour discuter avec un conseiller.",
        NoAgentAvailable => {
            "Aucun conseiller n'est disponible pour le moment. Veuillez nous recontacter plus tard."
        }
        ChatRequestFailed => "La demande de chat a échoué. Motif\u{a0}: {{reason}}",
        QueuePosition => "Votre position dans la file d'attente\u{a0}: {{position}}",
        EstimatedWait => "Temps d'attente estimé\u{a0}: {{wait}}",
        WaitTimeout => {
            "Désolé pour l'attente. Nos conseillers sont toujours occupés. Souhaitez-vous continuer à patienter\u{202f}?"
        }
        WaitTimeoutKeepWaiting => "Continuer à patienter",
        WaitTimeoutLeave => "Quitter",
        AgentJoined => "{{agentName}} a rejoint le chat.",
        AgentGreeting => "",
        AgentTyping => "{{agentName}} est en train d'écrire…",
        TransferInProgress => "Transfert vers un autre conseiller en cours…",
        TransferredToAgent => "Votre conversation a été transférée à {{agentName}}.",
        SecondAgentJoined => "{{agentName}} a rejoint la conversation.",
        SecondAgentLeft => "{{agentName}} a quitté la conversation.",
        AgentLeft => "Le conseiller a quitté le chat.",
        AgentEnded => "Le conseiller a mis fin au chat.",
        VisitorEnded => "Vous avez mis fin au chat.",
        ChatEnded => "Le chat est terminé.",
        IdleTimeoutWarning => {
            "Êtes-vous toujours là\u{202f}? Ce chat prendra bientôt fin en l'absence d'activité."
        }
        IdleTimeoutEnded => "Ce chat a pris fin pour cause d'inactivité.",
        ConnectionLost => "La connexion a été perdue.",
        Reconnecting => "Reconnexion…",
        ConnectionRestored => "Connexion rétablie.",
        MessageFailed => "Votre message n'a pas pu être envoyé.",
        MessageRetry => "Réessayer",
        AttachmentTooLarge => {
            "Le fichier «\u{a0}{{fileName}}\u{a0}» est trop volumineux. La taille maximale est de {{maxSize}}."
        }
        AttachmentTypeNotAllowed => {
            "Le fichier «\u{a0}{{fileName}}\u{a0}» ne peut pas être envoyé\u{a0}: ce type de fichier n'est pas autorisé."
        }
        FileRequestUnavailable => "{{agentName}} a demandé un fichier, mais les fichiers ne peuvent pas être envoyés dans ce chat.",
        SessionExpired => {
            "Votre session de chat a expiré. Veuillez démarrer une nouvelle conversation."
        }
        ConfigurationError => "Le chat n'est pas configuré correctement\u{a0}: {{reason}}",
        ReasonNoAgents => "Aucun conseiller n'est disponible.",
        ReasonNoPost => "La demande de chat n'a pas pu être transmise.",
        ReasonInternalFailure => "Une erreur interne s'est produite sur le serveur de chat.",
        ReasonBlocked => "La demande de chat a été bloquée.",
        ReasonUnknown => "Une erreur inconnue s'est produite.",
        ReasonSubmissionError => "La demande de chat n'a pas pu être envoyée.",
        ReasonRoutingError => {
            "La demande de chat n'a pas pu être acheminée vers un conseiller."
        }
        ReasonAgentTimeout => "Aucun conseiller n'a accepté le chat à temps.",
        ReasonIdleTimeout => "Le chat est resté inactif trop longtemps.",
        ReasonOther => "Une erreur inattendue s'est produite (code\u{a0}: {{code}}).",
    }
}
