//! The catalogue keys: configuration name, allowed placeholders, whether the message may be
//! turned off with an empty text, and the description printed in `docs/messages.md`.

macro_rules! keys {
    ($( $var:ident $name:literal [$($ph:ident),*] $opt:literal $desc:literal; )*) => {
        /// A catalogue key. `name()` is the key used in configuration
        /// (`messages.en.noAgentAvailable`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MsgKey {
            $( #[doc = $desc] $var, )*
        }

        impl MsgKey {
            /// Every key, in documentation order.
            pub const ALL: &'static [MsgKey] = &[$(MsgKey::$var),*];

            /// The key as written in configuration (lowerCamelCase).
            pub fn name(self) -> &'static str {
                match self { $(MsgKey::$var => $name,)* }
            }

            /// The built-in placeholders this message accepts (`{{vars.NAME}}` is always accepted).
            pub fn placeholders(self) -> &'static [&'static str] {
                match self { $(MsgKey::$var => &[$(stringify!($ph)),*],)* }
            }

            /// Whether the message may be set to an empty text, which means "not shown".
            pub fn is_optional(self) -> bool {
                match self { $(MsgKey::$var => $opt,)* }
            }

            /// What the text is used for (printed in `docs/messages.md`).
            pub fn description(self) -> &'static str {
                match self { $(MsgKey::$var => $desc,)* }
            }
        }
    };
}

keys! {
    // Widget chrome.
    LauncherOpenLabel "launcherOpenLabel" [] false
        "Accessible name of the launcher button while the chat window is closed.";
    LauncherUnreadLabel "launcherUnreadLabel" [count] false
        "Accessible name of the launcher while it shows the unread badge (the visible count must be part of it).";
    LauncherCloseLabel "launcherCloseLabel" [] false
        "Accessible name of the launcher button while the chat window is open.";
    WindowTitle "windowTitle" [] false
        "Title in the chat window header; also the accessible name of the chat window.";
    MinimizeLabel "minimizeLabel" [] false
        "Label of the header button that minimises the chat window.";
    EndConversationLabel "endConversationLabel" [] false
        "Label of the header button that ends the conversation.";
    ComposerPlaceholder "composerPlaceholder" [] false
        "Placeholder text of the message input.";
    ComposerLabel "composerLabel" [] false
        "Accessible name of the message input.";
    SendLabel "sendLabel" [] false
        "Label of the send button.";
    AttachLabel "attachLabel" [] false
        "Label of the button that attaches a file.";
    QuickRepliesLabel "quickRepliesLabel" [] false
        "Accessible name of a group of quick-reply buttons.";
    SenderVisitor "senderVisitor" [] false
        "Sender label of the visitor's own messages.";
    SenderBot "senderBot" [] false
        "Sender label of the bot's messages.";
    SenderAgent "senderAgent" [] false
        "Sender label of an agent's messages when the agent's name is not known.";
    StatusWaiting "statusWaiting" [] false
        "Status of a visitor message waiting for the connection (offline): it is sent by itself when the connection is back.";
    StatusSending "statusSending" [] false
        "Status of a visitor message that is being sent.";
    StatusSent "statusSent" [] false
        "Status of a visitor message accepted by the server.";
    StatusDelivered "statusDelivered" [] false
        "Status of a visitor message delivered to the agent.";
    StatusRead "statusRead" [] false
        "Status of a visitor message read by the agent.";
    StatusFailed "statusFailed" [] false
        "Status of a visitor message that could not be sent.";
    NewMessagesLabel "newMessagesLabel" [] false
        "Button that jumps to new messages below the visible part of the conversation.";
    ShowEarlier "showEarlier" [] false
        "Button above a long conversation's latest messages that shows earlier ones (only the latest are on the page, to keep it fast).";
    EarlierNotKept "earlierNotKept" [] false
        "Line at the top of a restored long conversation: only its latest messages are kept across page loads.";
    StartNewChat "startNewChat" [] false
        "Button shown after a conversation ended or failed, to start a new one.";
    // Bot.
    BotFallback "botFallback" [visitorName] false
        "Bot reply when it did not understand the visitor.";
    BotOfferHandoff "botOfferHandoff" [visitorName] false
        "Bot offer to talk to a person after repeated misunderstandings.";
    BotOfferHandoffAccept "botOfferHandoffAccept" [] false
        "Choice accepting the bot's offer to talk to a person.";
    BotOfferHandoffDecline "botOfferHandoffDecline" [] false
        "Choice declining the bot's offer to talk to a person.";
    BotUnavailable "botUnavailable" [] false
        "Shown when the bot cannot answer (its configuration or service is unavailable).";
    // Hand-off and pre-chat.
    HandoffUtterance "handoffUtterance" [visitorName] true
        "Said by the bot when it hands the conversation off to an agent.";
    ConnectingToAgent "connectingToAgent" [] true
        "Shown while the chat request is being sent to Salesforce.";
    PreChatTitle "preChatTitle" [] false
        "Title of the pre-chat form.";
    PreChatIntro "preChatIntro" [] true
        "Introduction above the pre-chat form fields.";
    PreChatNameLabel "preChatNameLabel" [] false
        "Label of the pre-chat name field.";
    PreChatEmailLabel "preChatEmailLabel" [] false
        "Label of the pre-chat email field.";
    PreChatTopicLabel "preChatTopicLabel" [] false
        "Label of the pre-chat topic list.";
    PreChatTopicPlaceholder "preChatTopicPlaceholder" [] false
        "First, empty entry of the pre-chat topic list.";
    PreChatDescriptionLabel "preChatDescriptionLabel" [] false
        "Label of the pre-chat field where the visitor describes the issue.";
    PreChatSubmit "preChatSubmit" [] false
        "Button that submits the pre-chat form and requests the chat.";
    PreChatCancel "preChatCancel" [] false
        "Button that closes the pre-chat form without requesting a chat.";
    PreChatRequired "preChatRequired" [] false
        "Error under a required pre-chat field left empty.";
    PreChatInvalidEmail "preChatInvalidEmail" [] false
        "Error under a pre-chat email field that does not hold an email address.";
    PreChatInvalidNumber "preChatInvalidNumber" [] false
        "Error under a pre-chat number field that does not hold a number.";
    PreChatInvalidPhone "preChatInvalidPhone" [] false
        "Error under a pre-chat phone field that does not hold a phone number.";
    PreChatTooShort "preChatTooShort" [min] false
        "Error under a pre-chat field shorter than its `minLength`; `{{min}}` is that length.";
    PreChatTooLong "preChatTooLong" [max] false
        "Error under a pre-chat field longer than its `maxLength`; `{{max}}` is that length.";
    VisitorDefaultName "visitorDefaultName" [] false
        "Name a Live Chat agent sees for the visitor when neither the pre-chat form nor `handoff.liveChat.visitorName` gives one.";
    IdentityRequired "identityRequired" [] false
        "Shown while a verified-user chat waits for the site to sign the visitor in (identity token).";
    // Queue.
    NoAgentAvailable "noAgentAvailable" [] false
        "Shown when no agent is available (button offline, or the request failed for lack of agents).";
    ChatRequestFailed "chatRequestFailed" [reason] false
        "Shown when the chat request fails; `{{reason}}` is the readable reason (see the reason keys below).";
    QueuePosition "queuePosition" [position] true
        "Position of the visitor in the agents' queue.";
    EstimatedWait "estimatedWait" [wait] true
        "Estimated wait time; `{{wait}}` is formatted in the visitor's language (\"about 2 minutes\").";
    WaitTimeout "waitTimeout" [wait] false
        "Shown when no agent joined within the configured wait time; `{{wait}}` is the time waited so far. Followed by the two choices below.";
    WaitTimeoutKeepWaiting "waitTimeoutKeepWaiting" [] false
        "Choice after `waitTimeout`: keep waiting for an agent.";
    WaitTimeoutLeave "waitTimeoutLeave" [] false
        "Choice after `waitTimeout`: cancel the chat request.";
    // Agent session.
    AgentJoined "agentJoined" [agentName] true
        "Shown when an agent accepts the chat.";
    AgentGreeting "agentGreeting" [agentName, visitorName] true
        "Optional greeting shown after `agentJoined` (for example \"Welcome to HR Live Chat!\"). Empty by default: not shown.";
    AgentTyping "agentTyping" [agentName] false
        "Typing indicator while an agent is typing.";
    TransferInProgress "transferInProgress" [] true
        "Shown while the chat is being transferred to another agent or queue.";
    TransferredToAgent "transferredToAgent" [agentName] true
        "Shown when the chat was transferred and the new agent joined.";
    SecondAgentJoined "secondAgentJoined" [agentName] true
        "Shown when another agent joins the conversation (conference).";
    SecondAgentLeft "secondAgentLeft" [agentName] true
        "Shown when an additional agent leaves the conversation (conference).";
    AgentLeft "agentLeft" [agentName] true
        "Shown when the agent left or disconnected but the chat is still open (another agent may pick it up).";
    AgentEnded "agentEnded" [agentName] false
        "Shown when the agent ended the chat.";
    VisitorEnded "visitorEnded" [] true
        "Shown when the visitor ended the chat.";
    ChatEnded "chatEnded" [] false
        "Shown when the chat ended for any other reason.";
    IdleTimeoutWarning "idleTimeoutWarning" [] false
        "Warning that the chat will end soon because the visitor has been inactive (Live Chat sends no reliable time left, so there is no `{{wait}}`).";
    IdleTimeoutEnded "idleTimeoutEnded" [] false
        "Shown when the chat ended because the visitor was inactive.";
    // Connection and errors.
    ConnectionLost "connectionLost" [] false
        "Shown when the connection to the chat service is lost.";
    Reconnecting "reconnecting" [] false
        "Shown while the widget reconnects.";
    ConnectionRestored "connectionRestored" [] true
        "Shown when the connection is back.";
    MessageFailed "messageFailed" [] false
        "Shown under a visitor message that could not be sent.";
    MessageRetry "messageRetry" [] false
        "Button that sends a failed message again.";
    AttachmentTooLarge "attachmentTooLarge" [fileName, maxSize] false
        "Shown when the visitor picks a file larger than allowed.";
    AttachmentTypeNotAllowed "attachmentTypeNotAllowed" [fileName, fileType] false
        "Shown when the visitor picks a file of a type that may not be sent.";
    FileRequestUnavailable "fileRequestUnavailable" [agentName] true
        "Live Chat: the agent asked the visitor for a file, which this chat cannot send (empty: not shown).";
    SessionExpired "sessionExpired" [] false
        "Shown when the chat session expired on the server.";
    ConfigurationError "configurationError" [reason] false
        "Shown in the widget when its configuration is invalid; `{{reason}}` is the problem found.";
    // Readable reasons, substituted as `{{reason}}` into `chatRequestFailed`.
    ReasonNoAgents "reasonNoAgents" [code] false
        "Reason `Unavailable` (Live Chat request) or `agentsUnavailable` (Live Chat end).";
    ReasonNoPost "reasonNoPost" [code] false
        "Reason `NoPost` (Live Chat): the request could not be delivered.";
    ReasonInternalFailure "reasonInternalFailure" [code] false
        "Reason `InternalFailure` (Live Chat): server error.";
    ReasonBlocked "reasonBlocked" [code] false
        "Reason `Blocked` (Live Chat): the visitor is blocked.";
    ReasonUnknown "reasonUnknown" [code] false
        "Reason `Unknown` (Live Chat, MIAW `failureType`) or an empty reason.";
    ReasonSubmissionError "reasonSubmissionError" [code] false
        "Reason `SubmissionError` (MIAW `failureType`).";
    ReasonRoutingError "reasonRoutingError" [code] false
        "Reason `RoutingError` (MIAW `failureType`).";
    ReasonAgentTimeout "reasonAgentTimeout" [code] false
        "Reason `agentPushTimeout` (Live Chat end): no agent accepted in time.";
    ReasonIdleTimeout "reasonIdleTimeout" [code] false
        "Reason `clientIdleTimeout` (Live Chat end): the visitor was inactive.";
    ReasonOther "reasonOther" [code] false
        "Any other reason code; `{{code}}` is the raw code.";
}

impl MsgKey {
    /// The key named `name` in configuration (exact, case-sensitive).
    pub fn from_name(name: &str) -> Option<MsgKey> {
        MsgKey::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The key whose readable text explains a failure or end reason `code`: Live Chat
    /// `ChatRequestFail.reason` and `ChatEnded.reason`, MIAW `RoutingResult.failureType`
    /// (case-insensitive). Unknown codes give [`MsgKey::ReasonOther`].
    pub fn for_reason(code: &str) -> MsgKey {
        match code.trim().to_ascii_lowercase().as_str() {
            "unavailable" | "agentsunavailable" => MsgKey::ReasonNoAgents,
            "nopost" => MsgKey::ReasonNoPost,
            "internalfailure" => MsgKey::ReasonInternalFailure,
            "blocked" => MsgKey::ReasonBlocked,
            "unknown" | "" => MsgKey::ReasonUnknown,
            "submissionerror" => MsgKey::ReasonSubmissionError,
            "routingerror" => MsgKey::ReasonRoutingError,
            "agentpushtimeout" => MsgKey::ReasonAgentTimeout,
            "clientidletimeout" => MsgKey::ReasonIdleTimeout,
            "agent" => MsgKey::AgentEnded,
            "client" => MsgKey::VisitorEnded,
            _ => MsgKey::ReasonOther,
        }
    }

    /// The key whose name is nearest to `name` (for "did you mean" hints), if close enough.
    pub(crate) fn nearest(name: &str) -> Option<MsgKey> {
        let lower = name.to_ascii_lowercase();
        MsgKey::ALL
            .iter()
            .map(|k| (distance(&lower, &k.name().to_ascii_lowercase()), *k))
            .min()
            .filter(|(d, _)| *d <= 2.max(name.len() / 4))
            .map(|(_, k)| k)
    }
}

/// Levenshtein distance (ASCII-ish key names; chars otherwise).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
