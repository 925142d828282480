/*
 * test_rulesets.c - the shipped rulesets (the YAML files in rulesets/ and their word
 * lists) on small messages, through the public API: every rule of the
 * classification, chain_letter, harassment and credentials rulesets fires
 * on what it is for and stays quiet on the prose, footers, placeholders
 * and near misses that look like it; and the word-list feature of the
 * rule loader (`words: FILE`, FILE.local, errors at the list's file:line).
 *
 * Cases are messages written for these tests (paraphrases, encodings and
 * obfuscations the dev set does not show), never copies of dev messages.
 * Messages whose encoding matters live in tests/rulesets/ as .eml files.
 */
#include "engine.h"
#include "helpers.h"

#include <mailsift/mailsift.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- the shipped rulesets ------------------------------------------------ */

typedef struct rs_case {
    const char *name;    /* the behaviour, in words */
    const char *rule;    /* the rule the case is about */
    bool fires;          /* the rule's category fires (and, if so, with this rule) */
    const char *subject; /* Subject (NULL: "Notes") */
    const char *headers; /* extra header lines, each ending "\r\n" (or NULL) */
    const char *body;    /* text/plain body; or */
    const char *file;    /* a message in tests/rulesets/ */
} rs_case;

#define CL "classification."
#define CH "chain_letter."
#define HA "harassment."
#define CR "credentials."
#define PC "pci."

static const rs_case cases[] = {
    /* classification */
    {"banner alone on a line", CL "banner", true, NULL, NULL,
     "Hi,\n\nCONFIDENTIAL\n\nThe figures are attached.\n", NULL},
    {"framed banner with a handling note", CL "banner", true, NULL, NULL,
     "== Strictly Confidential - Not for external distribution ==\nBody text.\n", NULL},
    {"banner in title case", CL "banner", true, NULL, NULL, "Internal Use Only\nMinutes below.\n",
     NULL},
    {"PHI banner", CL "banner", true, NULL, NULL,
     "Patient summary\n\n  Protected Health Information (PHI)  \n\nDOB etc.\n", NULL},
    {"quoted banner in a reply", CL "banner", true, NULL, NULL,
     "See below.\n\n> COMPANY CONFIDENTIAL\n> old text\n", NULL},
    {"banner in an HTML part", CL "banner", true, NULL, NULL, NULL, "banner-html.eml"},
    {"banner in a base64 part", CL "banner", true, NULL, NULL, NULL, "banner-base64.eml"},
    {"banner spaced with no-break spaces", CL "banner", true, NULL, NULL,
     "\xc2\xa0TRADE\xc2\xa0SECRET\xc2\xa0\n", NULL},
    {"'not confidential' in prose is no marker", CL "banner", false, NULL, NULL,
     "This is not confidential, share it widely.\n", NULL},
    {"confidentiality of users is no marker", CL "banner", false, NULL, NULL,
     "We care about the confidentiality of our users.\nConfidentiality matters.\n", NULL},
    {"a trade secret in a sentence is no marker", CL "banner", false, NULL, NULL,
     "Their pizza dough is a trade secret, they say.\n", NULL},
    {"legal footer is no marker", CL "banner", false, NULL, NULL,
     "Thanks.\n--\nThis e-mail and any attachments are confidential and intended solely for "
     "the addressee.\n",
     NULL},

    {"RESTRICTED in capitals alone", CL "banner_caps", true, NULL, NULL,
     "RESTRICTED\nRoadmap follows.\n", NULL},
    {"framed Proprietary", CL "banner_caps", true, NULL, NULL, "[ Proprietary ]\nDesign.\n", NULL},
    {"RESTRICTED with an upper-case handling note", CL "banner_caps", true, NULL, NULL,
     "RESTRICTED - HR ONLY\nDetails.\n", NULL},
    {"restricted parking is no marker", CL "banner_caps", false, NULL, NULL,
     "Use the restricted parking behind building C.\n", NULL},
    {"a table cell saying Restricted is no marker", CL "banner_caps", false, NULL, NULL,
     "Access level\nRestricted\nProprietary\n", NULL},

    {"Classification: Confidential line", CL "field", true, NULL, NULL,
     "Classification: Confidential\nText.\n", NULL},
    {"Data classification field set to Restricted", CL "field", true, NULL, NULL,
     "Data Classification = Restricted\n", NULL},
    {"Sensitivity header Company-Confidential", CL "field", true, NULL,
     "Sensitivity: Company-Confidential\r\n", "Plain text.\n", NULL},
    {"X-Classification header", CL "field", true, NULL, "X-Classification: Internal Only\r\n",
     "Plain text.\n", NULL},
    {"Sensitivity: Personal is no marker", CL "field", false, NULL, "Sensitivity: Personal\r\n",
     "Plain text.\n", NULL},
    {"Classification: Public is no marker", CL "field", false, NULL, NULL,
     "Classification: Public\nSensitivity: Normal\n", NULL},

    {"msip_labels header with a Confidential label", CL "msip_label", true, NULL,
     "msip_labels: MSIP_Label_3c86b0ed-0509-6d34-c42d-6a5ddf240559_Enabled=true;\r\n"
     " MSIP_Label_3c86b0ed-0509-6d34-c42d-6a5ddf240559_Name=Highly Confidential;\r\n",
     "Plain text.\n", NULL},
    {"document property label Restricted", CL "msip_label", true, NULL, NULL,
     "MSIP_Label_8922f617-0102-9a6b-b365-7b0159abe073_Name: Restricted\n", NULL},
    {"msip label General is no marker", CL "msip_label", false, NULL,
     "msip_labels: MSIP_Label_3c86b0ed-0509-6d34-c42d-6a5ddf240559_Name=General;\r\n",
     "Plain text.\n", NULL},

    {"Subject tag in brackets", CL "subject_tag", true, "Re: [Confidential] pricing", NULL,
     "See attached.\n", NULL},
    {"Subject tag in parentheses, RFC 2047", CL "subject_tag", true,
     "=?UTF-8?Q?Budget_=28Internal_Only=29?=", NULL, "See attached.\n", NULL},
    {"Subject with 'not a trade secret' in brackets", CL "subject_tag", false,
     "Booth plans (not a trade secret)", NULL, "See attached.\n", NULL},
    {"Subject leading marker with a colon", CL "subject_lead", true,
     "FW: Highly confidential: reorg", NULL, "See attached.\n", NULL},
    {"Subject leading marker with a dash", CL "subject_lead", true, "TRADE SECRET - recipe v2",
     NULL, "See attached.\n", NULL},
    {"Subject about a confidentiality agreement", CL "subject_lead", false,
     "Re: Confidentiality agreement template", NULL, "See attached.\n", NULL},
    {"Subject about restricted parking", CL "subject_lead", false, "Restricted parking", NULL,
     "See attached.\n", NULL},

    {"footer heading over a legal notice takes back the banner", CL "footer_heading", false, NULL,
     NULL,
     "Thanks.\n\nCONFIDENTIAL\nThis e-mail and any attachments are confidential and may be "
     "privileged.\n",
     NULL},
    {"footer heading with a site's own notice", CL "footer_heading", false, NULL, NULL,
     "Thanks.\n\n*** CONFIDENTIALITY NOTICE ***\nThe information contained in this message is "
     "for the named recipient only.\n",
     NULL},
    {"real banner plus legal footer still fires", CL "banner", true, NULL, NULL,
     "STRICTLY CONFIDENTIAL\n\nMerger terms.\n--\nThe information in this e-mail is "
     "intended only for the addressee.\n",
     NULL},
    {"banner over ordinary text is not a footer", CL "footer_heading", true, NULL, NULL,
     "CONFIDENTIAL\nThis email has the salary bands for next year.\n", NULL},

    /* chain letters */
    {"forward to N people with a bad-luck threat", CH "forward_to_many", true, NULL, NULL,
     "Send this on to 12 of your friends.\nAnyone who ignores it will have seven years of "
     "bad luck.\n",
     NULL},
    {"forward to everyone you know and a deadline and it works", CH "forward_to_everyone", true,
     NULL, NULL, "Pass it on to everyone in your address book within 48 hours. It really works!\n",
     NULL},
    {"phrases wrapped over lines with an indent", CH "forward_to_many", true, NULL, NULL,
     "Send this on to\r\n    12 of your friends. Anyone who\r\n    ignores it will have seven "
     "years of\r\n\tbad luck.\r\n",
     NULL},
    {"a phrase spread over indented HTML lines", CH "forward_to_many", true, NULL, NULL, NULL,
     "chain-html-indented.eml"},
    {"forward this to Bob is not a chain letter", CH "forward_to_many", false, NULL, NULL,
     "Please forward this to Bob when you can.\n", NULL},
    {"forward the slides to the team within 24 hours", CH "forward_to_many", false, NULL, NULL,
     "Could you forward the slides to 3 people in finance within 24 hours?\n", NULL},
    {"don't break the chain with a forward request", CH "break_chain", true, NULL, NULL,
     "Don't break this chain! Forward it to 10 people.\n", NULL},
    {"keep the chain going with a misfortune threat", CH "break_chain", true, NULL, NULL,
     "Keep the chain alive.\nShe deleted the message and lost her job a week later.\n", NULL},
    {"our supply chain is not a chain letter", CH "break_chain", false, NULL, NULL,
     "Our supply chain team will break the news about the chain of stores. Forward it to "
     "Anna.\n",
     NULL},
    {"misfortune for whoever ignores it", CH "misfortune", true, NULL, NULL,
     "Whoever ignores this letter will suffer misfortune. Send it to 5 people.\n", NULL},
    {"a note about bad weather is no threat", CH "misfortune", false, NULL, NULL,
     "Bad luck with the weather! Please forward this to 20 people... just kidding.\n", NULL},
    {"luck within N days for passing it on", CH "luck_promise", true, NULL, NULL,
     "You will get good luck within 3 days.\nPass it on to everyone you know.\n", NULL},
    {"good luck with the presentation is no promise", CH "luck_promise", false, NULL, NULL,
     "Good luck with the presentation tomorrow! Send it to 4 colleagues for review.\n", NULL},
    {"paid per forward", CH "paid_per_forward", true, NULL, NULL,
     "AOL will pay you $5 for each person you send this to. This is not a hoax.\n", NULL},
    {"a price per item is no payment per forward", CH "paid_per_forward", false, NULL, NULL,
     "We pay $5 for every delivery. Send it now.\n", NULL},
    {"counted petition", CH "petition", true, NULL, NULL,
     "Add your name to the bottom of the list and forward it to everyone you know. When the "
     "list reaches 500 names it goes to parliament.\n",
     NULL},
    {"copy and paste a link is no petition", CH "petition", false, NULL, NULL,
     "To change your settings, copy and paste the link into your browser within three days. "
     "Forward it to your manager.\n",
     NULL},
    {"signing a form is no petition", CH "petition", false, NULL, NULL,
     "Add your name to the sign-up sheet for Friday. Forward it to Lee.\n", NULL},
    {"deadline counts with other signs", CH "deadline", true, NULL, NULL,
     "Forward this message to at least 8 friends in the next 10 minutes!\nThis is not a "
     "joke.\n",
     NULL},
    {"a work deadline alone does not fire", CH "deadline", false, NULL, NULL,
     "Please reply within 24 hours and send it now. Forward this to Sam.\n", NULL},
    {"'this is not a joke' counts with other signs", CH "not_a_joke", true, NULL, NULL,
     "THIS IS NOT A JOKE. Forward it to 7 people before midnight.\n", NULL},
    {"'no joke' in ordinary mail does not fire", CH "not_a_joke", false, NULL, NULL,
     "The new build is no joke, it really is faster. Forward this to Kim.\n", NULL},
    {"FW: FW: Subject counts with other signs", CH "forwarded_chain", true,
     "FW: Fwd: FW: read this", NULL, "Send this to 10 friends before midnight!\n", NULL},
    {"one FW: with a request does not fire", CH "forwarded_chain", false, "FW: FW: agenda", NULL,
     "Please forward this to the team by Friday.\n", NULL},

    /* harassment */
    {"profanity", HA "profanity", true, NULL, NULL, "This is fucking ridiculous.\n", NULL},
    {"obfuscated profanity f.u.c.k", HA "profanity", true, NULL, NULL,
     "What the f.u.c.k happened\n", NULL},
    {"obfuscated profanity sh1t", HA "profanity", true, NULL, NULL, "Total sh1t, redo it.\n", NULL},
    {"obfuscated profanity a$$hole", HA "profanity", true, NULL, NULL, "Stop being an a$$hole.\n",
     NULL},
    {"profanity in a base64 HTML part", HA "profanity", true, NULL, NULL, NULL,
     "profanity-html-base64.eml"},
    {"Scunthorpe, cocktail, Dickens, shiitake, assess are clean", HA "profanity", false, NULL, NULL,
     "The Scunthorpe office hosts the cocktail evening; the Dickens class will assess the "
     "shiitake risotto. Essex and Sussex too. The company's hit rate is up. F. K. Smith signs.\n",
     NULL},
    {"slur", HA "slur", true, NULL, NULL, "Nobody wants a faggot on the team.\n", NULL},
    {"slur as an insult with obfuscation", HA "slur", true, NULL, NULL,
     "Stop acting like a r3tard.\n", NULL},
    {"retard as a verb is not a slur", HA "slur", false, NULL, NULL,
     "The coating will retard corrosion; flame-retardant panels are fitted.\n", NULL},
    {"sexual demand", HA "sexual", true, NULL, NULL,
     "Send me some nudes or forget about the promotion.\n", NULL},
    {"comment on a body", HA "sexual", true, NULL, NULL, "Your legs look so hot in that skirt.\n",
     NULL},
    {"ordinary talk about a contract", HA "sexual", false, NULL, NULL,
     "Send me the contract tonight or the promotion paperwork waits.\n", NULL},
    {"threat of violence", HA "threat", true, NULL, NULL,
     "If you tell HR, I'm going to hurt you.\n", NULL},
    {"stalking intimidation", HA "threat", true, NULL, NULL, "I know where you park.\n", NULL},
    {"threat with a curly apostrophe", HA "threat", true, NULL, NULL,
     "You\xe2\x80\x99ll regret this.\n", NULL},
    {"racing talk and 'until you're dead' are no threats", HA "threat", false, NULL, NULL,
     "Though you be swift as the wind, I will beat you in a race. Why wait until you're dead "
     "to enjoy life?\n",
     NULL},
    {"killing a process is no threat", HA "threat", false, NULL, NULL,
     "We need to kill the stuck process and watch the back-end logs.\n", NULL},
    {"insult aimed at the reader", HA "insult_at_reader", true, NULL, NULL,
     "You're such an idiot.\n", NULL},
    {"insult about an idea is not aimed at a person", HA "insult_at_reader", false, NULL, NULL,
     "Only an idiot would skip the backup, and I have been that idiot before.\n", NULL},
    {"insult with mild swearing adds up", HA "insult", true, NULL, NULL,
     "What a moron. Damn it, this is crap.\n", NULL},
    {"a single insult alone does not fire", HA "insult", false, NULL, NULL,
     "The error message calls me an idiot user.\n", NULL},
    {"mild swearing with an insult adds up", HA "mild_profanity", true, NULL, NULL,
     "Damn, what a loser. Bloody hell.\n", NULL},
    {"mild swearing alone does not fire", HA "mild_profanity", false, NULL, NULL,
     "Damn, the build is broken again. What the hell.\n", NULL},
    {"blunt criticism is not harassment", HA "profanity", false, NULL, NULL,
     "This is completely unacceptable and the quality is terrible.\n", NULL},

    /* harassment: dialect, internet and disguised spellings */
    {"dialect spellings of the b-word", HA "profanity", true, NULL, NULL,
     "ur such a biatch, and your beeyotch friend too\n", NULL},
    {"phonetic f-word and ass", HA "profanity", true, NULL, NULL, "phuck off and kiss my azz\n",
     NULL},
    {"doubled letters and digits for letters", HA "profanity", true, NULL, NULL,
     "fuuuuck this, it's bullsh1t\n", NULL},
    {"spaced letters", HA "profanity", true, NULL, NULL, "what a load of s h i t\n", NULL},
    {"-ing form of a compound", HA "profanity", true, NULL, NULL,
     "that motherfuckin report again\n", NULL},
    {"vulgar names for women", HA "profanity", true, NULL, NULL,
     "tell those hoes in sales to stop calling\n", NULL},
    {"a coward called a vulgar name", HA "profanity", true, NULL, NULL,
     "you a lil pussy for not showing up\n", NULL},
    {"a reader told to shut up, abbreviated", HA "profanity", true, NULL, NULL,
     "stfu and send the file\n", NULL},
    {"the verb bitching is a complaint, not abuse", HA "profanity", false, NULL, NULL,
     "Stop bitching about the rota, it's the same for everyone.\n", NULL},
    {"place names and words that hold a swear word", HA "profanity", false, NULL, NULL,
     "The Penistone and Middlesex offices sent the assessment; the classic cocktail menu, the "
     "therapist's analysis of the Sussex data, shitake and shiitake, the Shiite centre, "
     "Matsushita, the Wankel engine, Fukuoka and Arsenal.\n",
     NULL},
    {"a Hong Kong street name is no swear word", HA "profanity", false, NULL, NULL,
     "Our office: 5/F, 18 Fuk Wing Street, Sham Shui Po, Kowloon.\n", NULL},
    {"a possessive before 'hit' is not a spaced s-word", HA "profanity", false, NULL, NULL,
     "John's hit single and Mrs S hit the target.\n", NULL},
    {"leading symbol for a letter", HA "profanity_symbol", true, NULL, NULL,
     "you stupid @ss, read the ticket\n", NULL},
    {"dollar sign for s", HA "profanity_symbol", true, NULL, NULL, "$hit, not again\n", NULL},
    {"masked f-word", HA "profanity_symbol", true, NULL, NULL, "f*** you and your deadlines\n",
     NULL},
    {"addresses and prices with symbols are clean", HA "profanity_symbol", false, NULL, NULL,
     "Write to jo@ssl.example.com; it costs A$ 50 or $5 at the $hop.\n", NULL},

    /* harassment: slurs */
    {"slur in a dialect spelling", HA "slur", true, NULL, NULL, "that nigga in shipping\n", NULL},
    {"ethnic slurs beyond the best-known few", HA "slur", true, NULL, NULL,
     "we don't hire wetbacks or chinks here\n", NULL},
    {"short slur about sexual orientation", HA "slur", true, NULL, NULL, "nobody asked you, fag\n",
     NULL},
    {"slur about a trans colleague", HA "slur", true, NULL, NULL, "she look like a tranny\n", NULL},
    {"class slur", HA "slur", true, NULL, NULL, "typical white trash from the depot\n", NULL},
    {"disability slur as an adjective", HA "slur", true, NULL, NULL,
     "that plan is retarded and so are you\n", NULL},
    {"obfuscated slur", HA "slur", true, NULL, NULL, "shut up you f@ggot\n", NULL},
    {"niggardly, niggle and Niger are no slurs", HA "slur", false, NULL, NULL,
     "He was niggardly with praise; one niggle about the Niger Delta and Nigeria figures.\n", NULL},
    {"a lake, a river and a film are no slurs", HA "slur", false, NULL, NULL,
     "Greek island of Lesbos, Royal Troon, the Rio Negro and Uncle Tom's Cabin.\n", NULL},
    {"a group insulted without a slur", HA "slur_context", true, NULL, NULL,
     "the problem is all those dirty immigrants\n", NULL},
    {"go back to your country", HA "slur_context", true, NULL, NULL,
     "Go back to your own country, nobody wants you here.\n", NULL},
    {"queer used as an insult", HA "slur_context", true, NULL, NULL, "shut up you queer\n", NULL},
    {"queer in diversity mail and a group named plainly", HA "slur_context", false, NULL, NULL,
     "The Queer Network meets on Friday; queer history month starts soon. We ordered Chinese "
     "food and I'm going back to your desk later.\n",
     NULL},
    {"people of your sort told they do not belong", HA "discrimination", true, NULL, NULL,
     "People of your sort shouldn't be allowed near customers.\n", NULL},
    {"women told to stay in the kitchen", HA "discrimination", true, NULL, NULL,
     "Women belong in the kitchen, not in engineering.\n", NULL},
    {"an old colleague mocked for his age", HA "discrimination", true, NULL, NULL,
     "What do you expect from an old fossil like you?\n", NULL},
    {"a job advert wants people like you", HA "discrimination", false, NULL, NULL,
     "We want people like you on the team. People like you and me should apply. The virus "
     "that won't die already.\n",
     NULL},

    /* harassment: vulgar words aimed at someone */
    {"kiss my ass", HA "vulgar_context", true, NULL, NULL, "kiss my ass, Steve\n", NULL},
    {"an ass qualified as an insult", HA "vulgar_context", true, NULL, NULL,
     "get your lazy ass to the meeting\n", NULL},
    {"someone called a dick", HA "vulgar_context", true, NULL, NULL,
     "stop being a dick about the parking\n", NULL},
    {"Dick as a name", HA "vulgar_context", false, NULL, NULL,
     "Thank you Dick for the notes. Dick Jones chairs; ask Dick, and read Moby Dick.\n", NULL},
    {"a rooster, a gun and a stopcock", HA "vulgar_context", false, NULL, NULL,
     "The cock crowed at dawn. Cock the hammer first. The stopcock is under the sink.\n", NULL},
    {"an owned ass in dialect", HA "vulgar_context", true, NULL, NULL, "get yo ass over here\n",
     NULL},
    {"covering yourself is office slang", HA "innocent_profanity", false, NULL, NULL,
     "We need to cover your ass on this one; the client is an idiot user.\n", NULL},

    /* harassment: sexual demands and quid pro quo */
    {"a promotion for a weekend together", HA "quid_pro_quo", true, NULL, NULL,
     "Spend the weekend with me and the promotion is yours.\n", NULL},
    {"a job for being nice to the boss", HA "quid_pro_quo", true, NULL, NULL,
     "Be nice to me and the job is yours.\n", NULL},
    {"a contract for sleeping together", HA "quid_pro_quo", true, NULL, NULL,
     "Sleep with me if you want the contract.\n", NULL},
    {"a raise for a visit to a hotel room", HA "quid_pro_quo", true, NULL, NULL,
     "If you want that raise, you'll have to come to my hotel room.\n", NULL},
    {"a bonus and you know what", HA "quid_pro_quo", true, NULL, NULL,
     "If you want the bonus you know what you have to do.\n", NULL},
    {"dinner to discuss a contract, and a promotion announced", HA "quid_pro_quo", false, NULL,
     NULL,
     "Have dinner with me and we'll go through the contract. The promotion is yours, "
     "congratulations! Be nice to the new starter.\n",
     NULL},
    {"great tits and blue tits are birds", HA "sexual", false, NULL, NULL,
     "We saw a great tit, two blue tits and some blue-footed boobies.\n", NULL},

    /* harassment: threats and veiled threats */
    {"paying at the door is no threat", HA "threat", false, NULL, NULL,
     "You will pay for it at the door. We will make sure you pay the invoice on time.\n", NULL},
    {"veiled threat about the car park", HA "veiled_threat", true, NULL, NULL,
     "Be careful walking to your car after work.\n", NULL},
    {"veiled threat of exposure in the papers", HA "veiled_threat", true, NULL, NULL,
     "It would be a pity if your name ended up in the papers.\n", NULL},
    {"knowing where the children go to school", HA "veiled_threat", true, NULL, NULL,
     "I know where your kids go to school.\n", NULL},
    {"accidents happen to people who talk", HA "veiled_threat", true, NULL, NULL,
     "Accidents happen to people who talk too much.\n", NULL},
    {"nice family, as a warning", HA "veiled_threat", true, NULL, NULL,
     "Think it over.\nNice family you have.\n", NULL},
    {"you won't see it coming", HA "veiled_threat", true, NULL, NULL, "You won't see it coming.\n",
     NULL},
    {"if you know what's good for you", HA "veiled_threat", true, NULL, NULL,
     "Drop the complaint if you know what's good for you.\n", NULL},
    {"you'll pay for this", HA "veiled_threat", true, NULL, NULL, "You'll pay for this.\n", NULL},
    {"kind words and safety advice are no veiled threats", HA "veiled_threat", false, NULL, NULL,
     "Accidents happen, don't worry about the coffee. Be careful driving home, the roads are "
     "icy. What a nice family you have! It would be a shame if you missed the party.\n",
     NULL},
    {"a class slur aimed at the reader", HA "insult_at_reader", true, NULL, NULL,
     "Nobody asked, redneck.\n", NULL},

    /* harassment: innocent senses taken back */
    {"a bitch in dog breeding", HA "innocent_profanity", false, NULL, NULL,
     "Our bitch whelped six puppies on Tuesday; the bitch and her litter are well.\n", NULL},
    {"a bitch aimed at the reader is abuse", HA "innocent_profanity", true, NULL, NULL,
     "Stop being such a bitch.\n", NULL},
    {"the ox and the ass in a Bible quote", HA "innocent_profanity", false, NULL, NULL,
     "Thou shalt not covet thy neighbour's ox, nor his ass. He rode upon an ass. What an idiot "
     "user.\n",
     NULL},
    {"a garden hoe and Plymouth Hoe", HA "innocent_profanity", false, NULL, NULL,
     "Bring a garden hoe and a rake; we walk along Plymouth Hoe after.\n", NULL},
    {"a pussy willow and a pussy cat", HA "innocent_profanity", false, NULL, NULL,
     "The pussy willow is out and the pussy cat sleeps on the mat.\n", NULL},
    {"the tranny of a pickup", HA "innocent_slur", false, NULL, NULL,
     "We rebuilt the tranny on the pickup; the tranny fluid was black.\n", NULL},
    {"a tranny slur is not a gearbox", HA "innocent_slur", true, NULL, NULL,
     "No one wants a tranny on the front desk.\n", NULL},
    {"faggots in British cookery and firewood", HA "innocent_slur", false, NULL, NULL,
     "Traditional faggots and peas today, and a faggot of sticks for the fire.\n", NULL},
    {"a fag break", HA "innocent_slur", false, NULL, NULL,
     "Going out for a fag break; he bought a packet of fags.\n", NULL},
    {"Spic and Span", HA "innocent_slur", false, NULL, NULL,
     "The kitchen was spic and span after the cleaners left.\n", NULL},
    {"a chink in the armour", HA "innocent_slur", false, NULL, NULL,
     "That's the chink in the armour of their bid.\n", NULL},
    {"Coon Rapids and a coon hound", HA "innocent_slur", false, NULL, NULL,
     "Our partner in Coon Rapids has a coon hound.\n", NULL},
    {"the genus Homo", HA "innocent_slur", false, NULL, NULL,
     "Homo sapiens and Homo erectus lived here.\n", NULL},
    {"a honky-tonk and Offa's Dyke", HA "innocent_slur", false, NULL, NULL,
     "After the walk along Offa's Dyke we went to a honky-tonk.\n", NULL},
    {"retarded ignition timing", HA "innocent_slur", false, NULL, NULL,
     "The ignition timing is retarded by two degrees.\n", NULL},
    {"a medical term", HA "innocent_slur", false, NULL, NULL,
     "Patients with spastic paraplegia need physiotherapy.\n", NULL},
    {"a white trash can", HA "innocent_slur", false, NULL, NULL,
     "Put the bags in the white trash can by the door.\n", NULL},

    /* credentials */
    {"credentials on a command line", CR "login_pair", true, NULL, NULL,
     "curl -u admin:Gr4nite!77 https://api.example.com/v1/status\nmysql -h db01 -u root "
     "-pTr0ub4dor3 crm\n",
     NULL},
    {"command lines without a password", CR "login_pair", false, NULL, NULL,
     "curl -u user:pass https://api.example.com/\ncurl -u $API_USER:$API_PASS "
     "https://api.example.com/\nmysql -u root -p crm\n",
     NULL},
    {"PW as a password label", CR "password", true, NULL, NULL,
     "PW for the router admin page is Lantern42!\n", NULL},
    {"a password in .NET appSettings", CR "password_word", true, NULL, NULL,
     "<add key=\"SmtpPassword\" value=\"marmalade\"/>\n", NULL},
    {"a password assigned with :=", CR "password", true, NULL, NULL,
     "my_password := \"super$ecret9\"\n", NULL},
    {"a PEM key encoded in base64 again", CR "private_key", true, NULL, NULL,
     "PRIVATE_KEY_B64="
     "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVBZ2EzmS06PyLCFkC6Yoevs4kW8J99M"
     "2u4nJY3yubJX9Jj3K42JnapLdmRVhXyt4etxhZ4UGcKRI4BbDRc\n",
     NULL},
    {"an Amazon MWS token", CR "aws_secret", true, NULL, NULL,
     "MWS auth token: amzn.mws.2e6e1b46-5e55-1305-fd2d-2490ca4c616e\n", NULL},
    {"Azure App Configuration secret", CR "azure", true, NULL, NULL,
     "Endpoint=https://cfg-prod.azconfig.io;Id=q8zi-l0-s0:w8SE7diV3TMXVjM8Ahgh;Secret=sLww0sAO/"
     "DGpUxjKbgRBWZRZX1VlxeVZ4DNCNnOBFXL=\n",
     NULL},
    {"Azure keys in braces are no keys", CR "azure", false, NULL, NULL,
     "AccountName={2};AccountKey={3};\nSharedAccessKeyName=[name here];SharedAccessKey=[key "
     "here];\n",
     NULL},
    {"Azure DevOps token in code", CR "api_key", true, NULL, NULL,
     "var personalAccessToken = \"4f42qesu6iq3s2ksy4myvmwawsmkq2o2wzahmatk4nq25smbgtec\";\n", NULL},
    {"a labelled token", CR "api_key", true, NULL, NULL,
     "oauth_token: 1d9b963cc58ea44ecd5b868ec5ff527e03af\n", NULL},
    {"a Docker config login", CR "api_key", true, NULL, NULL,
     "{\"auths\": {\"registry.example.com\": {\"auth\": \"ZGVwbG95OmlMNmR6Y2R2R29KV3NrMUM=\"}}}\n",
     NULL},
    {"tokens in links are not credentials", CR "api_key", false, NULL, NULL,
     "Unsubscribe: "
     "https://news.example.com/u?token=1d763f588b265b2344421c5b75a1ad69&list=12\nReset: "
     "https://id.example.com/r?user=kim&reset_token=534f07c37e255eb8a1c095409993fd21\n",
     NULL},
    {"New Relic license key", CR "newrelic", true, NULL, NULL,
     "license_key: eu01xxb5aaa1c87409cd75d167853d006459NRAL\n", NULL},
    {"New Relic license key after a label", CR "newrelic", true, NULL, NULL,
     "NEW_RELIC_LICENSE_KEY=185d401ce257ad4f2b57f63d654f75852777dc27\n", NULL},
    {"Okta token a line after its label", CR "okta", true, NULL, NULL,
     "variable \"corp_okta_api_token\" {\n  default = "
     "\"00GPQ-ymde3hOygLxIGbLzUouSXsNHz5hdTDskWcTO\"\n}\n",
     NULL},
    {"GitHub refresh token of 76 characters", CR "github", true, NULL, NULL,
     "\"refresh_token\": "
     "\"ghr_4ypIjXebblnovNqW8ePaBhQBfS2UxFBJ4yXJ5PquTwZhrHpe7coruNgr4tNNpnCQCHbMVqeXyhVb\",\n",
     NULL},
    {"Teams connector webhook", CR "teams_webhook", true, NULL, NULL,
     "webhookUrl: "
     "'https://outlook.office.com/webhook/"
     "9feda739-c628-efa2-0124-d6d003a6630d@95495d39-5dc3-2898-5831-28fc49f69e88/JenkinsCI/"
     "5e946a47b27d40ac20d2de3206279634/895623a0-69ca-1e8f-b6b4-1a76df5b5900'\n",
     NULL},
    {"a Slack token with zero ids is a placeholder", CR "not_secret", false, NULL, NULL,
     "export SLACK_TOKEN=xoxb-0000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx\ntoken: "
     "00000000-0000-0000-0000-000000000000\n",
     NULL},

    {"a plain word after Password:", CR "password_word", true, NULL, NULL,
     "Hi Dana,\nPassword: SUMMER\nSee you Monday.\n", NULL},
    {"user and plain-word password on one line", CR "password_word", true, NULL, NULL,
     "user: jsmith, password: falcon\n", NULL},
    {"a password in JSON", CR "password_word", true, NULL, NULL,
     "{\"user\": \"ana\", \"password\": \"hunter2\"}\n", NULL},
    {"a password in YAML", CR "password_word", true, NULL, NULL,
     "db:\n  user: app\n  password: s3cret\n", NULL},
    {"a password in a property name", CR "password_word", true, NULL, NULL,
     "AdminPassword => 'tangerine',\n", NULL},
    {"a value read from the environment is no password", CR "password_word", false, NULL, NULL,
     "password = os.environ['SMTP_PASSWORD']\ntoken = settings.API_TOKEN\n", NULL},
    {"a dotted setting is no password", CR "password_word", false, NULL, NULL,
     "password: config.smtp_secret\n", NULL},
    {"a redacted password takes back the field", CR "password_placeholder", false, NULL, NULL,
     "Password: REDACTED\npassword: changeme\nPassword: xxxxxxxx\npwd=your_password_here\n", NULL},
    {"a form label is no password", CR "password_placeholder", false, NULL, NULL,
     "Password: required\nConfirm password: confirm\n", NULL},
    {"a real word is no placeholder", CR "password_placeholder", true, NULL, NULL,
     "Password: lighthouse\n", NULL},
    {"the password is a word", CR "password_prose", true, NULL, NULL,
     "Hi,\nthe password is bluebird.\n", NULL},
    {"my password was ...", CR "password_prose", true, NULL, NULL, "my password was Q7XP22LM\n",
     NULL},
    {"the Wi-Fi password in quotes", CR "password_prose", true, NULL, NULL,
     "The guest Wi-Fi password is \xe2\x80\x9c"
     "Meadowlark\xe2\x80\x9d.\n",
     NULL},
    {"a password after a comma: it's ...", CR "password_prose", true, NULL, NULL,
     "The door-entry app wants a password, it's tortoise.\n", NULL},
    {"a password, it is ... in a sentence", CR "password_prose", true, NULL, NULL,
     "For the shared mailbox password it is Marmalade42.\n", NULL},
    {"a password, it's required: prose", CR "prose_placeholder", false, NULL, NULL,
     "The new portal needs a password, it's mandatory.\n", NULL},
    {"a password described, not given", CR "password_prose", false, NULL, NULL,
     "The password is incorrect every time I try, can you reset it?\n", NULL},
    {"the password is incorrect.", CR "prose_placeholder", false, NULL, NULL,
     "It says the password is incorrect.\nYour password has been changed.\n", NULL},
    {"the password is a plain word, not prose", CR "prose_placeholder", true, NULL, NULL,
     "The password for the kiosk is marigold.\n", NULL},
    {"a URL with a plain-word password", CR "url_password", true, NULL, NULL,
     "Try https://bob:tiger@intranet.example.com/reports\n", NULL},
    {"a URL with a user and no password", CR "url_password", false, NULL, NULL,
     "ssh://deploy@build.example.com:22/srv and git+ssh://git@example.com/repo\n", NULL},
    {"a URL with a placeholder password", CR "url_placeholder", false, NULL, NULL,
     "postgres://user:password@localhost:5432/db\nhttps://user:pass@example.com/\n", NULL},
    {"a URL with a real password", CR "url_placeholder", true, NULL, NULL,
     "amqp://svc_queue:Quokka@mq.internal:5672/\n", NULL},
    {"AWS documentation keys are examples", CR "not_secret", false, NULL, NULL,
     "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
     NULL},
    {"Stripe test keys are not secrets", CR "not_secret", false, NULL, NULL,
     "STRIPE_API_KEY=sk_test_aUANbbO0zC6KlgH0JPRe7O8R\npublishable: "
     "pk_live_qjJbzBz5AvYovgcm1rVuH24K\n",
     NULL},
    {"the jwt.io sample token is an example", CR "not_secret", false, NULL, NULL,
     "Example: "
     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
     "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
     "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n",
     NULL},
    {"a real AWS key is no example", CR "not_secret", true, NULL, NULL,
     "aws_secret_access_key = yWl93lbP6FigT/0hzromVAy3I5CE7r8ymuCQ0Aba\n", NULL},
    {"Google API key", CR "google", true, NULL, NULL,
     "maps key AIzaJOOKkelDuv1ZNFE27bemvB7KuIFW1MOlKE2\n", NULL},
    {"Google OAuth client secret", CR "google", true, NULL, NULL,
     "client_secret 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\n", NULL},
    {"Google key placeholder", CR "google", false, NULL, NULL,
     "key=AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n", NULL},
    {"service-account key file", CR "google_service_account", true, NULL, NULL,
     "{\n  \"type\": \"service_account\",\n  \"project_id\": \"billing-prod\",\n  "
     "\"private_key_id\": \"0ffc7ec090d7d3fdd49ff311309ae654d8d8fe7c\",\n  \"private_key\": "
     "\"-----BEGIN PRIVATE KEY-----\\nMIIEv\\n\"\n}\n",
     NULL},
    {"service-account file without its key", CR "google_service_account", false, NULL, NULL,
     "{\"type\": \"service_account\", \"client_email\": "
     "\"etl@billing-prod.iam.gserviceaccount.com\"}\n",
     NULL},
    {"Azure AD client secret", CR "azure", true, NULL, NULL,
     "AZURE_CLIENT_SECRET=PM28Q~yOl2.ff8Z2ucn19Oi_r2uSeVWzyD.dPEgV\n", NULL},
    {"Azure storage account key", CR "azure", true, NULL, NULL,
     "DefaultEndpointsProtocol=https;AccountName=reports;AccountKey=Ox/"
     "FQ9Vn9uSfKfJKOin1o+lb0c3pWyUxHQAIQaKbKHQ2w4FW5GLCIanL6lhJ5xwEWVkAvpBSZJnSBZKE4cxKFX==;"
     "EndpointSuffix=core.windows.net\n",
     NULL},
    {"Azure connection string placeholder", CR "azure", false, NULL, NULL,
     "AccountName=<YOUR_ACCOUNT_NAME>;AccountKey=<YOUR_ACCOUNT_KEY>;\n", NULL},
    {"DigitalOcean token", CR "digitalocean", true, NULL, NULL,
     "DO_TOKEN=dop_v1_67a329cc46c88de3ffed2fbc145b4f6fc62cf5a002a3fe622ef97f05bfbc3098\n", NULL},
    {"DigitalOcean placeholder", CR "digitalocean", false, NULL, NULL,
     "DO_TOKEN=dop_v1_<your token>\n", NULL},
    {"Alibaba key id with its secret", CR "alibaba_key_id", true, NULL, NULL,
     "AccessKeyId: LTAIgymvim0ayZJjhO8blWJs\naccess_key_secret = FPGfpXdQVhSLC2M5drtfi3vJUKfiZj\n",
     NULL},
    {"Alibaba key id alone", CR "alibaba_key_id", false, NULL, NULL,
     "The RAM user has key LTAINQVDTHWDdUNJFKQ0YW2v, rotated in May.\n", NULL},
    {"IBM Cloud API key", CR "ibm", true, NULL, NULL,
     "IBM_CLOUD_API_KEY=KFU5UdUnYpkKyqgQQL4g8MrB5nFpqbZWrNnRV1u3Mo32\n", NULL},
    {"IBM key placeholder", CR "ibm", false, NULL, NULL, "ibm_api_key: <your IBM Cloud API key>\n",
     NULL},
    {"GitHub token", CR "github", true, NULL, NULL,
     "token ghp_9MWd6q4PwW1O0vDbdhBxT2Ltnc4H8JERK3tf\n", NULL},
    {"GitHub fine-grained token", CR "github", true, NULL, NULL,
     "GITHUB_TOKEN=github_pat_ANQh0URoJNgvJBcyWkxxda_"
     "OE50Pdz3JbAzOicBNXJ5zcbsueUTWlrEUUEOg88SAtuGbKGHXMWdqyQjNQT\n",
     NULL},
    {"GitHub placeholders are no tokens", CR "github", false, NULL, NULL,
     "GitHub tokens start with ghp_ followed by 36 characters, e.g. ghp_xxxxxxxxxxxxxxxxxxxx or "
     "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.\n",
     NULL},
    {"GitLab personal token", CR "gitlab", true, NULL, NULL, "glpat-hd2ee-AWk3c9p8RngDt_\n", NULL},
    {"GitLab runner registration token", CR "gitlab", true, NULL, NULL,
     "registration-token: GR1348941wGsVLaU1083D0KonldGj\n", NULL},
    {"GitLab token placeholder", CR "gitlab", false, NULL, NULL,
     "GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx\n", NULL},
    {"Atlassian API token", CR "atlassian", true, NULL, NULL,
     "JIRA_TOKEN=ATATT3M6a2BIXgAXfNQT8yBkjhwdkkzVe25deQjoO6IxpqVvT9dgL7q9vo_"
     "TzsjlcvmD4fbah2JUf7BbqfQq-e2KfUFba424HnTUJ5pW4UOma0pqLZw=d1nj1D_Dm5k5UikQe_=66Yb1k8="
     "vtaD5W78D4YbGt9tJvzwPpgZe7grB_UlCnML89IxbByU49QbI\n",
     NULL},
    {"Bitbucket app password", CR "atlassian", true, NULL, NULL,
     "bitbucket app password ATBBRF13sJUjPHWYzNu1XJT5VmajSMPZ1qZO\n", NULL},
    {"Bitbucket prefix alone", CR "atlassian", false, NULL, NULL,
     "App passwords begin with ATBB, then 32 characters.\n", NULL},
    {"npm token", CR "npm", true, NULL, NULL,
     "//registry.npmjs.org/:_authToken=npm_i4UYLZk3icFKc08zdP5FrIjniDXSOX97zP9C\n", NULL},
    {"npm token placeholder", CR "npm", false, NULL, NULL,
     "//registry.npmjs.org/"
     ":_authToken=${NPM_TOKEN}\nNPM_TOKEN=npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n",
     NULL},
    {"PyPI token", CR "pypi", true, NULL, NULL,
     "password = "
     "pypi-AgEIcHlwaS5vcmc33ivWfsMCeqifMngBsAQRgDQ4Aj4hMCuLjM2-"
     "uwM636x368ibOr6PUpGvSy5SIZ8g8E3iPKG8o6b2un4\n",
     NULL},
    {"PyPI prefix alone", CR "pypi", false, NULL, NULL,
     "PyPI tokens start with pypi- and are long.\n", NULL},
    {"Docker Hub token", CR "docker", true, NULL, NULL,
     "docker login -u ops -p dckr_pat_HXSIcna4WpSWHZYDLLLUvJf-3ru\n", NULL},
    {"Docker Hub placeholder", CR "docker", false, NULL, NULL,
     "docker login -u ops -p dckr_pat_XXXXXXXXXXXXXXXXXXXXXXXXXXX\n", NULL},
    {"CircleCI token", CR "circleci", true, NULL, NULL,
     "CIRCLE_TOKEN=CCIPAT_4ln7fOFK9zjW1jdHnTHGox_e2b54e5efe818a9f3c72a93526e18bc35f00a052\n", NULL},
    {"CircleCI placeholder", CR "circleci", false, NULL, NULL,
     "CIRCLE_TOKEN=<personal API token>\n", NULL},
    {"Travis CI token", CR "travis", true, NULL, NULL, "TRAVIS_TOKEN=Y1ififQy4dFjsficoLzq5x\n",
     NULL},
    {"Travis CI placeholder", CR "travis", false, NULL, NULL, "travis_token: YOUR_TRAVIS_TOKEN\n",
     NULL},
    {"Heroku API key", CR "heroku", true, NULL, NULL,
     "HEROKU_API_KEY=a02ce696-4182-6fe5-3418-a2d12f6e98c1\n", NULL},
    {"Heroku new-format key", CR "heroku", true, NULL, NULL,
     "key HRKU-AAqCM-9Urw7D5OBkj6gCpufMs-IAL8gFrhikMVnheujN6kKM9CpYuUC6C37A\n", NULL},
    {"Heroku placeholder", CR "heroku", false, NULL, NULL, "HEROKU_API_KEY=<your api key>\n", NULL},
    {"Slack bot token", CR "slack", true, NULL, NULL,
     "SLACK_BOT_TOKEN=xoxb-56558790804-8328529877938-U3xkHPIMmhLjVxZU0hXLg7qv\n", NULL},
    {"Slack webhook address", CR "slack", true, NULL, NULL,
     "Post alerts to "
     "https://hooks.slack.com/services/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\n",
     NULL},
    {"Slack placeholders", CR "slack", false, NULL, NULL,
     "SLACK_BOT_TOKEN=xoxb-your-token\nwebhook: "
     "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n",
     NULL},
    {"Discord webhook", CR "discord", true, NULL, NULL,
     "https://discord.com/api/webhooks/557776099088639206/"
     "ja7AxS_ryuecfL0Qs0HdEzLdqsQexyo-Vyz7WSLrdTSeagz40THgdsYecHZpxT73Onet\n",
     NULL},
    {"Discord bot token", CR "discord", true, NULL, NULL,
     "bot token: MT7TScLP5L1Hs4p9icjw4e6w.J1o3l2.upIighBS7Bd12jM0IrA1VrhX5AM\n", NULL},
    {"Discord webhook placeholder", CR "discord", false, NULL, NULL,
     "https://discord.com/api/webhooks/<id>/<token>\n", NULL},
    {"Teams incoming webhook", CR "teams_webhook", true, NULL, NULL,
     "https://contoso.webhook.office.com/webhookb2/"
     "1546911e-e243-94d2-29b1-ca8537ba2738@313e7492-f730-fc87-be83-8ffd7f3c9509/IncomingWebhook/"
     "b7c5cabe6c94e7477938e923078f7759/b04c07ef-c318-2a32-9e67-dc6571555b2a\n",
     NULL},
    {"Teams webhook placeholder", CR "teams_webhook", false, NULL, NULL,
     "https://contoso.webhook.office.com/webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>\n",
     NULL},
    {"Telegram bot token", CR "telegram", true, NULL, NULL,
     "TELEGRAM_BOT_TOKEN=504138097:AA7T6qxRMsmIS4Qoxqh3Z81zbABNkiK2RXV\n", NULL},
    {"Telegram documentation token", CR "telegram", false, NULL, NULL,
     "A token looks like 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11.\n", NULL},
    {"Stripe live key", CR "stripe", true, NULL, NULL,
     "STRIPE_SECRET_KEY=sk_live_3rCeB0dU5kxQ7vFaXVQeQ8w8\n", NULL},
    {"Stripe webhook secret", CR "stripe", true, NULL, NULL,
     "whsec_anBbJOI5d3OPT3v5uqhWUrdPR3tRrMhk\n", NULL},
    {"Stripe live key placeholder", CR "stripe", false, NULL, NULL,
     "STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n", NULL},
    {"Square access token", CR "square", true, NULL, NULL,
     "SQUARE_TOKEN=sq0atp-M-4-1tgUp1m8NIv0_Q-X7Q\n", NULL},
    {"Square application secret", CR "square", true, NULL, NULL,
     "sq0csp-l_cioys8VcGIcdEam46AITChpqR-H_m4lGHmRGeFTCQ\n", NULL},
    {"Square placeholder", CR "square", false, NULL, NULL, "SQUARE_TOKEN=sq0atp-<token>\n", NULL},
    {"Braintree production token", CR "braintree", true, NULL, NULL,
     "BT_TOKEN=access_token$production$0pfv6jrqiqv7s7n6$988c93c653b6942cbebff766f552c1e6\n", NULL},
    {"Braintree sandbox token", CR "braintree", false, NULL, NULL,
     "BT_TOKEN=access_token$sandbox$1j3xxkj8spopdwck$fbe97f2b487e613d35b319fa7ceb9271\n", NULL},
    {"Shopify admin token", CR "shopify", true, NULL, NULL,
     "X-Shopify-Access-Token: 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\n", NULL},
    {"Shopify placeholder", CR "shopify", false, NULL, NULL,
     "X-Shopify-Access-Token: shpat_<token>\n", NULL},
    {"SendGrid key", CR "sendgrid", true, NULL, NULL,
     "key: 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\n", NULL},
    {"SendGrid placeholder", CR "sendgrid", false, NULL, NULL,
     "SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
     NULL},
    {"Mailgun key", CR "mailgun", true, NULL, NULL,
     "MAILGUN_API_KEY=key-a06359fc17f03a41d7efbf2ed7eca00e\n", NULL},
    {"Mailgun placeholder", CR "mailgun", false, NULL, NULL, "MAILGUN_API_KEY=key-<your key>\n",
     NULL},
    {"Mailchimp key", CR "mailchimp", true, NULL, NULL,
     "MAILCHIMP_KEY=28e8d5ed56eb20f46e166e01eadb547e-us14\n", NULL},
    {"Mailchimp data centre alone", CR "mailchimp", false, NULL, NULL,
     "Our account is on data centre us14.\n", NULL},
    {"Twilio SID with its auth token", CR "twilio_sid", true, NULL, NULL,
     "Account SID: "
     "AC05a2b37c9ecb66bd37908a20def39349\nTWILIO_AUTH_TOKEN=f91ec72e28412296818eb49750bc04f5\n",
     NULL},
    {"Twilio account SID alone", CR "twilio_sid", false, NULL, NULL,
     "Account SID ACd7c1546ee48fdd35fef28be82fa72adf (not secret)\n", NULL},
    {"Twilio auth token", CR "twilio", true, NULL, NULL,
     "twilio_auth_token: ba8d15f2ed3fd629a9ee86428eb66565\n", NULL},
    {"Twilio placeholder", CR "twilio", false, NULL, NULL, "TWILIO_AUTH_TOKEN=your_auth_token\n",
     NULL},
    {"OpenAI project key", CR "openai", true, NULL, NULL,
     "OPENAI_API_KEY=sk-proj-vGry6jXQ0bo2HJX2Ip3N8eb6gwECw_fvqxWHIIHVYGgpQhqZ44xOHgR-"
     "dk4vgc8QQeUIoxUaExzq-erx\n",
     NULL},
    {"OpenAI placeholder", CR "openai", false, NULL, NULL,
     "OPENAI_API_KEY=sk-...\nOPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
     NULL},
    {"Anthropic key", CR "anthropic", true, NULL, NULL,
     "ANTHROPIC_API_KEY=sk-ant-api03-ol5dwQXghbohULFV1oPo2pTnyqLqixPban2fZmkhWqw-IZc8p2bi78eEW-"
     "sLS5J6NDr5ZGEoSCjsu1u9gxI2y7VQKjMy9AA\n",
     NULL},
    {"Anthropic placeholder", CR "anthropic", false, NULL, NULL, "ANTHROPIC_API_KEY=sk-ant-...\n",
     NULL},
    {"Hugging Face token", CR "huggingface", true, NULL, NULL,
     "HF_TOKEN=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\n", NULL},
    {"Hugging Face placeholder", CR "huggingface", false, NULL, NULL,
     "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nHF_TOKEN=hf_...\n", NULL},
    {"Notion token", CR "notion", true, NULL, NULL,
     "NOTION_TOKEN=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\n", NULL},
    {"Notion placeholder", CR "notion", false, NULL, NULL,
     "NOTION_TOKEN=secret_<your integration token>\n", NULL},
    {"Linear key", CR "linear", true, NULL, NULL,
     "LINEAR_API_KEY=lin_api_UW2wd8FqwnvHAGQXpirqYlikZu2SrxJKO7BEbYgr\n", NULL},
    {"Linear placeholder", CR "linear", false, NULL, NULL, "LINEAR_API_KEY=lin_api_...\n", NULL},
    {"Datadog API key", CR "datadog", true, NULL, NULL,
     "DD_API_KEY=166118b3fcf5a47741601b3a1ef9fcae\n", NULL},
    {"Datadog placeholder", CR "datadog", false, NULL, NULL, "DD_API_KEY=<DATADOG_API_KEY>\n",
     NULL},
    {"New Relic user key", CR "newrelic", true, NULL, NULL,
     "NEW_RELIC_API_KEY=NRAK-0C099VLKYX9WVR0HDP0Z7IMHBHW\n", NULL},
    {"New Relic placeholder", CR "newrelic", false, NULL, NULL,
     "NEW_RELIC_API_KEY=NRAK-XXXXXXXXXXXXXXXXXXXXXXXXXXX\n", NULL},
    {"Okta API token", CR "okta", true, NULL, NULL,
     "okta_api_token: 00_cG50rGig1FuriX9mp-1-jzo1mXWQ1u6T8I86JqR\n", NULL},
    {"Okta placeholder", CR "okta", false, NULL, NULL, "Authorization: SSWS ${OKTA_API_TOKEN}\n",
     NULL},
    {"Postman API key", CR "devtools", true, NULL, NULL,
     "POSTMAN_API_KEY=PMAK-bd52a1383a8f3f1a5a29e91e-94944c81844a344e0aa6d055e0c64df1dd\n", NULL},
    {"Databricks token", CR "devtools", true, NULL, NULL,
     "DATABRICKS_TOKEN=dapieef6017b9a2b24c6abf22270020ecda0\n", NULL},
    {"Vault token", CR "devtools", true, NULL, NULL,
     "VAULT_TOKEN=hvs.px-nLFBmJ-xhW-WKZGoUwbigKx2Y3Zo1Vvhy3ci3k1l5RKwh5mtMPEu8TX_"
     "8xRX2y3KXgZWVXHSFUQQoqcffXCzc1rW_xtM\n",
     NULL},
    {"developer-platform placeholders", CR "devtools", false, NULL, NULL,
     "POSTMAN_API_KEY=PMAK-<key>\nVAULT_TOKEN=hvs.<token>\n", NULL},
    {"bearer token", CR "bearer_token", true, NULL, NULL,
     "curl -H 'Authorization: Bearer 7fa9c3d2e1b04a5f9c8d7e6b5a4f3e2d'\n", NULL},
    {"basic authorization header", CR "bearer_token", true, NULL, NULL,
     "Authorization: Basic Q68fBS7o1BWswLjt6wtyEl+5o2Kg\n", NULL},
    {"JSON Web Token", CR "bearer_token", true, NULL, NULL,
     "token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
     "eyJNkN1383uKPZYq4R1LKy4nWVzWcKC9mAMdR9QFDFuItwTxlferste3ve8nBug."
     "bIO8muwGDSv0cZnZtedWktYpF5yCzchwGbSabCrSxkF\n",
     NULL},

    {"password line", CR "password", true, NULL, NULL, "Login: jdoe\nPassword: Tr0ub4dor&3\n",
     NULL},
    {"pwd= in a config", CR "password", true, NULL, NULL, "host=db1\npwd=q7#Lm2!xZ\n", NULL},
    {"DB_PASSWORD environment variable", CR "password", true, NULL, NULL,
     "export DB_PASSWORD='s3cr3t-Val'\n", NULL},
    {"password given in a sentence", CR "password", true, NULL, NULL,
     "The password for the Wi-Fi is Guest2024!\n", NULL},
    {"password in another language", CR "password", true, NULL, NULL,
     "Benutzer: mmuster\nKennwort: Sommer2024#\n", NULL},
    {"reset your password at the portal", CR "password", false, NULL, NULL,
     "You can reset your password at the portal: https://id.example/reset2\n", NULL},
    {"a reset link after 'password:' is no password", CR "password", false, NULL, NULL,
     "User: kim\nClick here to reset your password: https://example.com/reset?token=abc123\n",
     NULL},
    {"password policy prose", CR "password", false, NULL, NULL,
     "Passwords must be at least 14 characters and rotated every 90 days.\nThe password is "
     "at least 12 characters long.\n",
     NULL},
    {"placeholders are not passwords", CR "password", false, NULL, NULL,
     "Password: ********\npassword: <your password>\npwd=YOUR_PASSWORD_HERE\n"
     "DB_PASS=${DB_PASS}\nPassword: [REDACTED]\nPassword: n/a\n",
     NULL},
    {"connection URI with a password", CR "url_password", true, NULL, NULL,
     "DATABASE_URL=mysql://app:Zq8!vR2p@db.internal:3306/app\n", NULL},
    {"ADO connection string with a password", CR "connection_string", true, NULL, NULL,
     "Server=sql1;Database=crm;User Id=sa;Password=Xk9$wq2;\n", NULL},
    {"connection URI with a placeholder password", CR "connection_string", false, NULL, NULL,
     "postgres://user:password@localhost/db and redis://:<password>@cache:6379\n", NULL},
    {"PEM private key", CR "private_key", true, NULL, NULL,
     "-----BEGIN OPENSSH PRIVATE "
     "KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END "
     "OPENSSH PRIVATE KEY-----\n",
     NULL},
    {"PEM private key in a QP part", CR "private_key", true, NULL, NULL, NULL, "pem-qp.eml"},
    {"a key header over dots is no key", CR "private_key", false, NULL, NULL,
     "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\nThe file must start "
     "with "
     "-----BEGIN OPENSSH PRIVATE KEY-----.\n",
     NULL},
    {"public keys are not credentials", CR "private_key", false, NULL, NULL,
     "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----\nssh-ed25519 "
     "AAAAC3NzaC1lZDI1NTE5AAAA ops@laptop\n-----BEGIN CERTIFICATE-----\n",
     NULL},
    {"AWS key id with its secret", CR "aws_secret", true, NULL, NULL,
     "key AKIAZ7Q3WBQTBQR5FGFN\nsecret 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\n", NULL},
    {"labelled AWS secret", CR "aws_secret", true, NULL, NULL,
     "aws_secret_access_key: \"pXxG9EHwBkDhoEAXbVgOR7bnoc7b/J/gNoHpTGfm\"\n", NULL},
    {"AWS secret placeholders", CR "aws_secret", false, NULL, NULL,
     "aws_secret_access_key = <your secret access key>\naws_secret_access_key: ${AWS_SECRET}\n",
     NULL},
    {"AWS key id alone does not fire", CR "aws_key_id", false, NULL, NULL,
     "The role uses access key AKIAZ7Q3WBQTBQR5FGFN, rotated monthly.\n", NULL},
    {"AWS key id with a user name counts", CR "aws_key_id", true, NULL, NULL,
     "user: deploy\naws_access_key_id = AKIAZ7Q3WBQTBQR5FGFN\n", NULL},
    {"API key with its value", CR "api_key", true, NULL, NULL,
     "api_key = \"9f3b2c1d8e7a6b5c4d3e2f1a\"\n", NULL},
    {"API key placeholder", CR "api_key", false, NULL, NULL,
     "api_key = YOUR_API_KEY_HERE\nclient_secret: <client-secret>\n", NULL},
    {"bearer token", CR "bearer_token", true, NULL, NULL,
     "curl -H 'Authorization: Bearer 7fa9c3d2e1b04a5f9c8d7e6b5a4f3e2d'\n", NULL},
    {"bearer token placeholder", CR "bearer_token", false, NULL, NULL,
     "Authorization: Bearer <token>\nAuthorization: Bearer YOUR_TOKEN\n", NULL},
    {"ghp_ prefix in prose is no token", CR "github", false, NULL, NULL,
     "GitHub tokens start with ghp_ followed by 36 characters.\n", NULL},
    {"PIN with a user name", CR "pin", true, NULL, NULL, "Username: kwong\nPIN: 4821\n", NULL},
    {"meeting PIN alone does not fire", CR "pin", false, NULL, NULL,
     "Dial in: +44 20 7946 0000\nParticipant PIN: 482193#\n", NULL},
    {"user name with a PIN", CR "username", true, NULL, NULL, "User ID: kwong\nPasscode: 118822\n",
     NULL},
    {"user name alone does not fire", CR "username", false, NULL, NULL,
     "Username: kwong\nPlease ask IT for the password.\n", NULL},
    {"company name before a marking", CL "banner_company", true, NULL, NULL,
     "Brightwater Logistics Confidential\n\nRoute costs for 2027 below.\n", NULL},
    {"a sentence that keeps something confidential is no banner", CL "banner_company", false, NULL,
     NULL, "Thanks, Ravi.\nPlease keep this confidential\nuntil the board has met.\n", NULL},
    {"company name before a capital marking, en dash", CL "banner_caps", true, NULL, NULL,
     "Halvorsen Marine PROPRIETARY \xe2\x80\x93 DO NOT COPY\nDrawings attached.\n", NULL},
    {"two labels joined by //", CL "banner", true, NULL, NULL,
     "Confidential // Internal\nThe vendor shortlist follows.\n", NULL},
    {"framed classification field", CL "field", true, NULL, NULL,
     "== [ Data Classification: Confidential ] ==\nHi all,\n", NULL},
    {"handling instruction field", CL "field", true, NULL, NULL,
     "Handling instructions: restricted to the deal team\n\nNumbers inside.\n", NULL},
    {"a PHI banner with a handling note", CL "banner", true, NULL, NULL,
     "*** PII - Personally Identifiable Information - handle with care ***\nRoster below.\n", NULL},
    {"attorney-client privileged banner", CL "banner", true, NULL, NULL,
     "ATTORNEY-CLIENT PRIVILEGED\n\nOur view on the claim is below.\n", NULL},
    {"the message says how it is classified", CL "statement", true, NULL, NULL,
     "Team,\nThe attached spreadsheet is classified as Strictly Confidential, so keep it on the "
     "share.\n",
     NULL},
    {"the message says it holds health information", CL "statement", true, NULL, NULL,
     "Note: this e-mail contains protected health information about two patients.\n", NULL},
    {"a line that gives the marking", CL "marked", true, NULL, NULL,
     "Marked CONFIDENTIAL per the records policy.\nSee the figures.\n", NULL},
    {"a line about marking papers is no marking", CL "marked", false, NULL, NULL,
     "Marked exams go back to the office on Friday.\nThanks.\n", NULL},
    {"a draft marking is no classification", CL "statement", false, NULL, NULL,
     "The attached report is marked as draft; comments by Friday please.\n", NULL},

    /* classification: markings later in the Subject, legal privilege, government schemes */
    {"marker after the topic in the Subject", CL "subject_trail", true, "Re: merger - CONFIDENTIAL",
     NULL, "See below.\n", NULL},
    {"privilege marker between dashes in the Subject", CL "subject_trail", true,
     "Q3 figures - PRIVILEGED & CONFIDENTIAL - do not forward", NULL, "Numbers attached.\n", NULL},
    {"marker after a bar in the Subject", CL "subject_trail", true,
     "Exit package | Private & Confidential", NULL, "Terms below.\n", NULL},
    {"marker after a colon in the Subject", CL "subject_trail", true,
     "Re: Smith v. Acme: Attorney Work Product", NULL, "Draft attached.\n", NULL},
    {"a marker word inside the topic is no trailing marker", CL "subject_trail", false,
     "Site update - restricted parking", NULL, "Car park notes.\n", NULL},
    {"a confidentiality agreement after a dash is no marker", CL "subject_trail", false,
     "Re: NDA - confidentiality agreement", NULL, "Signed copy attached.\n", NULL},
    {"strictly confidential in parentheses", CL "subject_tag", true,
     "Board pack (Strictly Confidential)", NULL, "Pack attached.\n", NULL},
    {"privileged and confidential in brackets", CL "subject_tag", true,
     "[Privileged & Confidential] settlement terms", NULL, "Terms below.\n", NULL},
    {"do not forward in brackets", CL "subject_tag", true, "[Do not forward] offer letter draft",
     NULL, "See below.\n", NULL},
    {"DO NOT FORWARD in capitals in the Subject", CL "subject_handling", true,
     "Restructuring plan DO NOT FORWARD", NULL, "See below.\n", NULL},
    {"SECRET leading the Subject", CL "subject_handling", true, "SECRET - exercise plan", NULL,
     "See attached.\n", NULL},
    {"a portion marking in the Subject", CL "subject_handling", true, "(U//FOUO) Visit schedule",
     NULL, "Schedule below.\n", NULL},
    {"Contains CUI in the Subject", CL "subject_handling", true, "Contains CUI - roster update",
     NULL, "Attached is the roster.\n", NULL},
    {"please do not forward as a sentence is no marking", CL "subject_handling", false,
     "please do not forward the old link", NULL, "New link inside.\n", NULL},
    {"Secret Santa is no marking", CL "subject_handling", false, "Secret Santa - draw results",
     NULL, "You got Priya!\n", NULL},
    {"a capitals Subject that tells a secret is no marking", CL "subject_handling", false,
     "THE SECRET - book club picks", NULL, "OUR LITTLE SECRET: party on Friday.\n", NULL},
    {"CUI in brackets after the topic", CL "subject_handling", true, "Roster update [CUI]", NULL,
     "Roster.\n", NULL},
    {"ORCON as a company name is no caveat", CL "gov_marking", false, "Broadband", NULL,
     "Our ORCON fibre connection is down again.\n", NULL},
    {"ORCON after the // of a banner", CL "gov_marking", true, NULL, NULL, "SECRET//ORCON\nText.\n",
     NULL},
    {"a limited edition is no limited distribution", CL "distribution", false, NULL, NULL,
     "Distribution: limited edition prints go on sale Friday.\n", NULL},
    {"TLP:AMBER in the Subject", CL "gov_marking", true, "TLP:AMBER - phishing indicators", NULL,
     "Indicators below.\n", NULL},
    {"TLP:RED as a banner", CL "gov_marking", true, NULL, NULL,
     "TLP:RED\nDetails of the intrusion below.\n", NULL},
    {"TLP:AMBER+STRICT in lower case", CL "gov_marking", true,
     "tlp:amber+strict indicators for the sector", NULL, "Indicators below.\n", NULL},
    {"TLP:GREEN and TLP:CLEAR allow sharing", CL "gov_marking", false, "TLP:GREEN - weekly digest",
     NULL, "TLP:CLEAR\nPublic digest.\n", NULL},
    {"SECRET with a dissemination caveat", CL "gov_marking", true, NULL, NULL,
     "SECRET//NOFORN\nSummary follows.\n", NULL},
    {"CUI banner with a category", CL "gov_marking", true, NULL, NULL,
     "CUI//SP-PRVCY\nAttached is the roster.\n", NULL},
    {"UNCLASSIFIED//FOR OFFICIAL USE ONLY", CL "gov_marking", true, NULL, NULL,
     "UNCLASSIFIED//FOR OFFICIAL USE ONLY\nConvoy schedule below.\n", NULL},
    {"old UK PROTECT with a descriptor", CL "gov_marking", true, NULL, NULL,
     "PROTECT \xe2\x80\x93 STAFF\nCase file below.\n", NULL},
    {"NOFORN in a sentence", CL "gov_marking", true, NULL, NULL,
     "Distribution is SECRET NOFORN, do not share with liaison partners.\n", NULL},
    {"OFFICIAL and UNCLASSIFIED restrict nothing", CL "gov_marking", false,
     "UNCLASSIFIED - schedule", NULL, "OFFICIAL\nUNCLASSIFIED\nSchedule.\n", NULL},
    {"CUI and PROTECT in prose are no markings", CL "gov_marking", false, NULL, NULL,
     "The CUI training module is due by Friday.\nPROTECT your hands: gloves are in the "
     "cupboard.\nDon't tell Sam, it's a SECRET party!\n",
     NULL},
    {"OFFICIAL-SENSITIVE with a descriptor", CL "banner", true, NULL, NULL,
     "OFFICIAL-SENSITIVE PERSONAL\nThe review notes are attached.\n", NULL},
    {"For Official Use Only as a banner", CL "banner", true, NULL, NULL,
     "For Official Use Only\nMeeting notes below.\n", NULL},
    {"for official use only in a sentence is no banner", CL "banner", false, NULL, NULL,
     "The pool cars are for official use only, not for commuting.\n", NULL},
    {"a privilege heading", CL "banner", true, NULL, NULL,
     "Subject to legal professional privilege\nOur advice follows.\n", NULL},
    {"prepared at the request of counsel", CL "banner", true, NULL, NULL,
     "Prepared for outside counsel in anticipation of litigation\nNotes below.\n", NULL},
    {"attorney-client communication heading", CL "banner", true, NULL, NULL,
     "PRIVILEGED & CONFIDENTIAL \xe2\x80\x94 ATTORNEY-CLIENT COMMUNICATION\nDraft memo below.\n",
     NULL},
    {"NOT FOR DISTRIBUTION as a banner", CL "banner", true, NULL, NULL,
     "NOT FOR DISTRIBUTION\nDraft below.\n", NULL},
    {"not for distribution in a sentence is no banner", CL "banner", false, NULL, NULL,
     "The flyers are not for distribution until Monday, the printer is late.\n", NULL},
    {"a privilege footer is no marking", CL "banner", false, NULL, NULL,
     "See you then.\n--\nThis e-mail may contain privileged and confidential information. If "
     "you are not the intended recipient, please notify the sender and delete it.\n",
     NULL},
    {"a privileged & confidential heading over a footer", CL "footer_heading", false, NULL, NULL,
     "Thanks.\n\nPRIVILEGED & CONFIDENTIAL\nThis e-mail and any attachments are confidential "
     "and may be privileged.\n",
     NULL},
    {"distribution limited to named recipients", CL "distribution", true, NULL, NULL,
     "Distribution: named recipients only\nMinutes below.\n", NULL},
    {"distribution field after a sentence", CL "distribution", true, NULL, NULL,
     "Thanks for the quick reply. Distribution: board members only.\n", NULL},
    {"a distribution list of all staff is no limit", CL "distribution", false, NULL, NULL,
     "Distribution: all staff\nMinutes below.\n", NULL},
    {"a handling field after a sentence", CL "field", true, NULL, NULL,
     "Thanks for getting back to me. Handling instruction: sensitive, do not pass on.\n", NULL},
    {"proprietary and not to be disclosed", CL "statement", true, NULL, NULL,
     "The information below is Harbour Analytics proprietary and must not be disclosed to "
     "third parties.\n",
     NULL},

    {"forward this <thing> along to N people", CH "forward_to_many", true, NULL, NULL,
     "Pass this little poem along to 8 people you love before midnight tonight.\n"
     "If you don't send it on, bad luck will follow you for a year.\n",
     NULL},
    {"whoever stops the chain", CH "break_chain", true, NULL, NULL,
     "Share it with 5 friends. Whoever stops this friendship chain will be lonely all year.\n",
     NULL},
    {"supply chain talk is no chain letter", CH "break_chain", false, NULL, NULL,
     "Please forward the slides to Omar. The strike could break the supply chain within 48 "
     "hours.\n",
     NULL},
    {"paid each time it is forwarded", CH "paid_per_forward", true, NULL, NULL,
     "The foundation gives 10 cents every time this e-mail is forwarded, so forward it to all "
     "your contacts!\n",
     NULL},
    {"text-speak chain letter", CH "forward_to_many", true, NULL, NULL,
     "if u dont send this 2 ppl... no wait, send this to 5 ppl in the next 10 mins or bad luck "
     "for u. im not kidding\n",
     NULL},

    /* chain letters: hoaxes, money, petitions, prayers; texts about them */
    {"virus hoax: an e-mail titled so-and-so erases the hard drive", CH "virus_warning", true,
     "FW: VIRUS ALERT", NULL,
     "If you receive a message titled \"Holiday Snaps\" do not open it. It erases everything on "
     "your hard disk. Send this warning to everybody in your contact list.\n",
     NULL},
    {"virus hoax: a virus called X that the scanners miss", CH "virus_warning", true, NULL, NULL,
     "There is a worm called PARTY TIME going round. It cannot be detected by any anti-virus "
     "software. Please forward this to everyone you know.\n",
     NULL},
    {"virus hoax: do not answer, it hijacks your phone", CH "virus_warning", true, NULL, NULL,
     "If someone sends you a video named \"Dance of the Pope\" don't open it, it hijacks your "
     "phone. Tell everyone you know!\n",
     NULL},
    {"a real phishing alert asks nobody to pass it on", CH "virus_warning", false, "Phishing alert",
     NULL,
     "If you receive an e-mail with the subject \"Payment overdue\", do not open the attachment "
     "and delete it immediately. Use the Report button in Outlook.\n",
     NULL},
    {"the whole address book and a second sign", CH "forward_to_everyone", true, NULL, NULL,
     "Please send this on to all the ladies you know. A woman was drugged with a perfume "
     "sample last month; this really happened.\n",
     NULL},
    {"as many people as possible, it costs nothing", CH "forward_to_everyone", true, NULL, NULL,
     "Share it with as many people as you can, it costs you nothing!\n", NULL},
    {"share with everyone you know, alone, does not fire", CH "forward_to_everyone", false, NULL,
     NULL, "The open day is on Saturday. Please share this with everyone you know.\n", NULL},
    {"forward to the whole team is not the whole address book", CH "forward_to_everyone", false,
     NULL, NULL,
     "Please forward this to everyone in the team and all the people in finance. It only takes "
     "a minute to fill in.\n",
     NULL},
    {"the forwards are tracked in an e-mail beta test", CH "tracked", true, NULL, NULL,
     "This message is being tracked as part of an e-mail beta test. Forward it to 10 friends "
     "and wait for the voucher.\n",
     NULL},
    {"cc me so they can count you", CH "tracked", true, NULL, NULL,
     "Send it to 6 friends and cc me so that they can count you. It's legit.\n", NULL},
    {"a parcel being tracked is no tracked chain", CH "tracked", false, NULL, NULL,
     "Your parcel is being tracked and arrives tomorrow. Please share the link with all your "
     "friends.\n",
     NULL},
    {"paid per share on social media", CH "paid_per_forward", true, NULL, NULL,
     "A baby needs surgery and the site will give $1 for every share. Please share this with "
     "everyone you know.\n",
     NULL},
    {"forward it and you will get a free gift", CH "paid_per_forward", true, NULL, NULL,
     "Forward this to 8 friends and you will receive a free case of lemonade.\n", NULL},
    {"cents per name on the list", CH "paid_per_forward", true, NULL, NULL,
     "The charity pays 3 cents per name on this list, so send it to all your friends.\n", NULL},
    {"a per-person ticket price is no payment per forward", CH "paid_per_forward", false, NULL,
     NULL, "Tickets are $25 per person. Please send this to all your friends.\n", NULL},
    {"big names and a forward to everyone", CH "authority", true, NULL, NULL,
     "A new scam at petrol stations was reported by the BBC yesterday. Forward this to "
     "everyone in your address book.\n",
     NULL},
    {"the news said so", CH "authority", true, NULL, NULL,
     "Cash machines are being fitted with card skimmers, the news said this morning. Pass "
     "this on to everyone you know.\n",
     NULL},
    {"a company that has not announced anything lends nothing", CH "authority", false, NULL, NULL,
     "Please share this with everyone you know. Microsoft has not announced a date for the "
     "launch yet.\n",
     NULL},
    {"if you agree, pass it on; if not, delete it", CH "pass_if_you", true, "FW: FW: so true", NULL,
     "Our pensions are being cut. If you agree, pass it on. If not, just delete it.\n", NULL},
    {"repost if you love your mother", CH "pass_if_you", true, NULL, NULL,
     "Repost if you love your mother. Most people won't have the guts to repost this.\n", NULL},
    {"please forward if you agree with a proposal", CH "pass_if_you", false, "FW: FW: budget", NULL,
     "Please forward if you agree with the revised budget, and I will book the room.\n", NULL},
    {"let's see who really cares", CH "dare", true, NULL, NULL,
     "Share this if you care about animals. Let's see who really cares!\n", NULL},
    {"if you delete this you don't have a heart", CH "dare", true, NULL, NULL,
     "Send this to 5 people. If you delete this you don't have a heart.\n", NULL},
    {"most people attending is no dare", CH "dare", false, NULL, NULL,
     "Most people don't send the form back on time. Please send this to 3 people in your "
     "team.\n",
     NULL},
    {"a prayer chain: say a prayer and send it on", CH "prayer", true, NULL, NULL,
     "When you get this, say a prayer for the person who sent it to you. Then send it to "
     "seven friends.\n",
     NULL},
    {"a prayer chain: a blessing is coming your way", CH "prayer", true, NULL, NULL,
     "A blessing is coming your way tonight. Send this to 12 people in 10 minutes.\n", NULL},
    {"a prayer request is no prayer chain", CH "prayer", false, NULL, NULL,
     "Please keep Joan in your prayers this week. The prayer group meets on Thursday. Forward "
     "this to all your friends at church.\n",
     NULL},
    {"send it back to me if you're my friend", CH "send_back", true, NULL, NULL,
     "Send this to 6 friends and send it back to me if you're my friend.\n", NULL},
    {"send it to ten people including me", CH "send_back", true, NULL, NULL,
     "Pass this to 10 people including me, and see what happens.\n", NULL},
    {"send the form back to me is no friendship chain", CH "send_back", false, NULL, NULL,
     "Fill in the form and send it back to me if you have changes. Copy it to 3 colleagues in "
     "sales.\n",
     NULL},
    {"a service will close accounts unless you forward", CH "platform_hoax", true,
     "Fwd: Hotmail is closing accounts", NULL,
     "Hotmail is deleting inactive accounts. Forward this to everyone in your contacts to "
     "show you are active.\n",
     NULL},
    {"a service's real notice is no hoax", CH "platform_hoax", false, NULL, NULL,
     "Our Yahoo group moves to the new forum in May. Please tell your friends.\n", NULL},
    {"alarm and a warning passed to all the women you know", CH "alarm", true, NULL, NULL,
     "Ladies, please be careful at cash machines. Forward this to all the women you know.\n", NULL},
    {"URGENT!!! over a forward to everyone", CH "alarm", true, NULL, NULL,
     "URGENT!!! Send this to everyone in your phone book.\n", NULL},
    {"a plain urgent note is no alarm", CH "alarm", false, NULL, NULL,
     "Urgent: please share the new rota with everyone you know in the depot.\n", NULL},
    {"it only takes a second", CH "costs_nothing", true, NULL, NULL,
     "Forward this to everyone in your address book, it only takes a second.\n", NULL},
    {"better safe than sorry", CH "costs_nothing", true, NULL, NULL,
     "Better safe than sorry: pass this on to everybody you know.\n", NULL},
    {"a form that takes a few minutes is no chain", CH "costs_nothing", false, NULL, NULL,
     "The survey takes a few minutes. Please send it to everyone in your team.\n", NULL},
    {"pass it on!", CH "pass_it_on", true, NULL, NULL,
     "Send it to everyone you know. PASS IT ON!\n", NULL},
    {"pass it on to a named person is no chain ending", CH "pass_it_on", false, NULL, NULL,
     "Could you pass it on to Dana? Share it with everyone you know in logistics.\n", NULL},
    {"the chain letter's own 'not a hoax' is no debunk", CH "about_hoax", true, NULL, NULL,
     "This is NOT a hoax. Microsoft will pay you $10 for every person you forward this to.\n",
     NULL},
    {"a help-desk reply that the warning is a hoax", CH "about_hoax", false, "Re: FW: VIRUS ALERT",
     NULL,
     "That virus warning is a hoax. There is no virus that erases your hard drive when you "
     "open an e-mail titled \"Holiday Snaps\", whatever it says about McAfee. Send this to "
     "everybody in your contact list who got it.\n",
     NULL},
    {"a reply that the donation chain is a well-known hoax", CH "about_hoax", false,
     "Re: Fw: please help", NULL,
     "Sorry, it's a well-known hoax: nobody donates 5 cents for every person you send it to, "
     "and AOL cannot track e-mails. Forward this to all your contacts.\n",
     NULL},
    {"a chain letter's testimonial is no debunk", CH "about_chain", true, NULL, NULL,
     "I thought it was a scam too, but my cousin got a cheque. For every person you forward "
     "this e-mail to, Microsoft pays you $245. Forward it to everyone you know!\n",
     NULL},
    {"a policy against chain letters", CH "about_chain", false, "E-mail policy", NULL,
     "Do not forward chain letters or virus warnings. If you receive an e-mail asking you to "
     "forward it to everyone in your address book, delete it. Never pass on messages promising "
     "that Microsoft will pay you for every person you send them to.\n",
     NULL},
    {"a news item about a hoax e-mail", CH "about_chain", false, "Newsletter item", NULL,
     "A chain e-mail claiming that a charity will donate 3 cents every time it is forwarded "
     "is going round again. Please don't forward it.\n",
     NULL},
    {"FYI the old warning is fake", CH "about_hoax", false, "Re: Good Times", NULL,
     "FYI the Good Times warning is fake. It says it will erase your hard drive if you read "
     "it, and to forward it to all your friends. No need to pass it on.\n",
     NULL},

    {"insult with an adjective", HA "insult_at_reader", true, NULL, NULL,
     "You're a lazy, useless moron and everyone knows it.\n", NULL},
    {"insult after a comma", HA "insult_at_reader", true, NULL, NULL,
     "Read the ticket before you reply, idiot.\n", NULL},
    {"a list with an insulting word is not aimed at the reader", HA "insult_at_reader", false, NULL,
     NULL, "Categories: winners, losers and ties.\n", NULL},
    {"name-calling phrase", HA "insult_phrase", true, NULL, NULL,
     "Tell that pompous clown in finance to answer his phone.\n", NULL},
    {"the pangram's lazy dog is no insult", HA "insult_phrase", false, NULL, NULL,
     "The quick brown fox jumps over the lazy dog.\n", NULL},
    {"a veiled threat to someone's family", HA "threat", true, NULL, NULL,
     "Lovely house you have. It would be a pity if anything happened to it.\n", NULL},
    {"threat to make someone pay", HA "threat", true, NULL, NULL,
     "We are going to hunt you down and make you regret the day you filed that report.\n", NULL},
    {"getting home in one piece is a wish, not a threat", HA "threat", false, NULL, NULL,
     "Drive safely and I hope you get home in one piece.\n", NULL},

    {"card PIN", CR "personal_pin", true, NULL, NULL,
     "The new debit card arrives Monday; your PIN is 7312.\n", NULL},
    {"conference PIN is not personal", CR "personal_pin", false, NULL, NULL,
     "Join by phone: 0800 555 0100, conference PIN: 99120#\n", NULL},
    {"PIN for a door", CR "personal_pin", true, NULL, NULL, "PIN for the server room door: 55120\n",
     NULL},
    {"user and password separated by a slash", CR "login_pair", true, NULL, NULL,
     "Log-in for the test rig is qa_lead / Granite!2027\n", NULL},
    {"use PASSWORD to sign in", CR "login_pair", true, NULL, NULL,
     "Use Kx7#pLm2q to log on to the kiosk.\n", NULL},
    {"login and logout are no credentials", CR "login_pair", false, NULL, NULL,
     "See the login / logout buttons at the top right.\n", NULL},
    {"password without a colon", CR "password", true, NULL, NULL,
     "Your account is dlee, password Orchard2028 (change it today).\n", NULL},
    {"password expired is no password", CR "password", false, NULL, NULL,
     "Your password expired! Reset it from the portal.\n", NULL},
    {"SendGrid key in a line", CR "sendgrid", true, NULL, NULL,
     "key: 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\n", NULL},
    {"a URL with a password and no user", CR "url_password", true, NULL, NULL,
     "cache: redis://:Sardine44x@10.2.0.7:6379/1\n", NULL},

    /* pci: how card numbers are written, and numbers that are not cards.
     * The numbers are gateways' published test numbers or made for these
     * tests; every case is about pci.pan, the rule that makes findings. */
    {"a 16-digit card printed 4-4-4-4 needs no words", PC "pan", true, NULL, NULL,
     "Use 5555 5555 5555 4444 please.\n", NULL},
    {"unionpay's 81 range at 16 digits needs no words", PC "pan", true, NULL, NULL,
     "Use 8171 9999 2766 0000 please.\n", NULL},
    {"unionpay's 81 range at 19 digits with a CVC", PC "pan", true, NULL, NULL,
     "Test card 8171 9999 0000 0000 021, CVC 737.\n", NULL},
    {"mir test number with an expiry", PC "pan", true, NULL, NULL,
     "Mir 2200 9458 0730 2153, 12/29\n", NULL},
    {"a 13-digit visa with card words", PC "pan", true, NULL, NULL,
     "My card number is 4222222222222, thanks.\n", NULL},
    {"a 13-digit visa with an expiry date only", PC "pan", true, NULL, NULL,
     "4222222222222 05/27\n", NULL},
    {"a 13-digit visa with nothing around it is still a card", PC "pan", true, NULL, NULL,
     "Use 4222222222222 for the renewal.\n", NULL},
    {"a 13-digit visa beside parcel words is a parcel number", PC "pan", false, NULL, NULL,
     "Your parcel is on its way, reference 4222222222222.\n", NULL},
    {"a 13-digit visa beside parcel words and card words is a card", PC "pan", true, NULL, NULL,
     "Your parcel is paid for with the credit card 4222222222222.\n", NULL},
    {"a uatp with card words", PC "pan", true, NULL, NULL,
     "UATP card 1354 1001 4004 955, expiry 06/30\n", NULL},
    {"a uatp without card words is no card", PC "pan", false, NULL, NULL,
     "Use 1354 1001 4004 955 please.\n", NULL},
    {"a 15-digit maestro-range number (an IMEI's length) without card words", PC "pan", false, NULL,
     NULL, "The handset 501234567890123 was returned.\n", NULL},
    {"card words in the body make the Subject's 15-digit number a card", PC "pan", true,
     "use 1354 1001 4004 955", NULL, "Please charge my credit card, number in the subject.\n",
     NULL},
    {"German card words", PC "pan", true, NULL, NULL,
     "Meine Kreditkarte: 1354 1001 4004 955, g\xc3\xbcltig bis 03/30\n", NULL},
    {"French card words", PC "pan", true, NULL, NULL,
     "Num\xc3\xa9ro de carte : 1354 1001 4004 955\n", NULL},
    {"Russian card words", PC "pan", true, NULL, NULL,
     "\xd0\x9d\xd0\xbe\xd0\xbc\xd0\xb5\xd1\x80 \xd0\xba\xd0\xb0\xd1\x80\xd1\x82\xd1\x8b: "
     "1354 1001 4004 955\n",
     NULL},
    {"a Card: field", PC "pan", true, NULL, NULL, "Name: Ann Lee\nCard: 1354 1001 4004 955\n",
     NULL},
    {"a SIM card is no payment card", PC "pan", false, NULL, NULL,
     "My SIM card broke; the phone is 501234567890123.\n", NULL},
    {"a date's tail is no expiry", PC "pan", false, NULL, NULL,
     "Booked on 05/12/2027: 1354 1001 4004 955\n", NULL},
    {"an IMEI labelled as such, beside card words", PC "pan", false, NULL, NULL,
     "IMEI: 501234567890123\nPaid with my credit card, exp 05/27.\n", NULL},
    {"a SIRET labelled as such, beside card words", PC "pan", false, NULL, NULL,
     "SIRET : 36948075159200. Paiement par carte bancaire accept\xc3\xa9.\n", NULL},
    {"a SIRET-shaped 14-digit number alone", PC "pan", false, NULL, NULL,
     "Si\xc3\xa8ge social \xc3\xa0 Lyon, 36948075159200.\n", NULL},
    {"a South African ID number beside card words", PC "pan", false, NULL, NULL,
     "ID 4501015009080; she pays by credit card.\n", NULL},
    {"a Chinese ID number in a card range", PC "pan", false, NULL, NULL,
     "Resident 620102198005182393 checked in.\n", NULL},
    {"a GB IBAN's account digits, beside card words", PC "pan", false, NULL, NULL,
     "IBAN GB29 NWBK 6016 1331 9268 13, or pay by credit card.\n", NULL},
    {"a 12-digit FedEx number", PC "pan", false, NULL, NULL, "FedEx 6759 1234 5674\n", NULL},
    {"an ISBN-13", PC "pan", false, NULL, NULL, "ISBN 978-0-306-40615-7\n", NULL},
};

static ms_engine *shipped;
static ms_scan *scan;

static int setup_shipped(void **state)
{
    (void)state;
    ms_engine_opts opts = {.rules_dir = MS_SOURCE_DIR "/rulesets"};
    ms_error err;
    if (ms_engine_create(&opts, &shipped, &err) != MS_OK) {
        char buf[600];
        fprintf(stderr, "shipped rulesets: %s\n", ms_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return ms_scan_create(shipped, &scan, &err) == MS_OK ? 0 : -1;
}

static int teardown_shipped(void **state)
{
    (void)state;
    ms_scan_destroy(scan);
    ms_engine_destroy(shipped);
    return 0;
}

static const char *category_of(const char *rule)
{
    static char cat[64];
    snprintf(cat, sizeof cat, "%s", rule);
    char *dot = strchr(cat, '.');
    if (dot)
        *dot = '\0';
    return cat;
}

/* Scan one case's message; NULL-terminated result owned by the scan. */
static const ms_result *scan_case(const rs_case *c)
{
    char *msg;
    size_t len;
    const ms_result *res;

    if (c->file) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/rulesets/%s", MS_SOURCE_DIR, c->file);
        msg = ms_test_read_file(path, &len);
        assert_non_null(msg);
    } else {
        len = (size_t)snprintf(NULL, 0, "x%s%s%s", c->subject ? c->subject : "Notes",
                               c->headers ? c->headers : "", c->body) +
              256;
        msg = malloc(len);
        assert_non_null(msg);
        len = (size_t)snprintf(msg, len,
                               "From: a@example.com\r\nTo: b@example.org\r\nSubject: %s\r\n%s"
                               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: 8bit\r\n\r\n%s",
                               c->subject ? c->subject : "Notes", c->headers ? c->headers : "",
                               c->body);
    }
    ms_scan_reset(scan);
    assert_int_equal(ms_scan_feed(scan, msg, len), MS_OK);
    free(msg);
    assert_int_equal(ms_scan_finish(scan, &res), MS_OK);
    return res;
}

static int rule_weight(const char *id)
{
    for (unsigned r = 0; r < shipped->nrules; r++)
        if (strcmp(shipped->rules[r].id, id) == 0)
            return shipped->rules[r].weight;
    fail_msg("no rule %s in the shipped rulesets", id);
    return 0;
}

static void test_cases(void **state)
{
    (void)state;
    unsigned failed = 0;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rs_case *c = &cases[i];
        const ms_result *res = scan_case(c);
        const char *cat = category_of(c->rule);
        bool fired = false, rule = false;
        for (size_t k = 0; k < res->ncategories; k++)
            fired |= strcmp(res->categories[k].name, cat) == 0;
        for (size_t k = 0; k < res->nfindings; k++)
            rule |= strcmp(res->findings[k].rule, c->rule) == 0;
        /* a positive case must fire with its rule; a negative one must not
         * fire at all (for a rule of weight 1 or below, the message holds the
         * other signs it would need, so a match would show). A rule of
         * negative weight is the other way round: where it matches, the
         * category does not fire; where it does not, the marker it would
         * have taken back fires without it. */
        bool ok = c->fires ? fired && rule != (rule_weight(c->rule) < 0) : !fired;
        if (!ok) {
            failed++;
            fprintf(stderr, "FAIL %s (%s): category %s %s, rule %s\n", c->name, c->rule, cat,
                    fired ? "fired" : "did not fire", rule ? "matched" : "not seen");
            for (size_t k = 0; k < res->nfindings; k++)
                fprintf(stderr, "    finding %s (%s) \"%s\"\n", res->findings[k].rule,
                        res->findings[k].part, res->findings[k].excerpt);
        }
    }
    assert_int_equal(failed, 0);
}

/* Every rule of the four rulesets has a positive and a negative case. */
static void test_every_rule_has_cases(void **state)
{
    (void)state;
    static const char *const mine[] = {"classification", "chain_letter", "harassment",
                                       "credentials"};
    unsigned missing = 0;

    for (unsigned r = 0; r < shipped->nrules; r++) {
        const ms_rule *rule = &shipped->rules[r];
        const char *cat = shipped->cats[rule->category].name;
        bool ours = false, pos = false, neg = false;
        for (unsigned k = 0; k < sizeof mine / sizeof mine[0]; k++)
            ours |= strcmp(cat, mine[k]) == 0;
        if (!ours)
            continue;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            if (strcmp(cases[i].rule, rule->id) == 0) {
                bool matches = cases[i].fires != (rule->weight < 0);
                pos |= matches;
                neg |= !matches;
            }
        }
        if (!pos || !neg) {
            fprintf(stderr, "rule %s has no %s case\n", rule->id, pos ? "negative" : "positive");
            missing++;
        }
        if (!rule->description || strcmp(rule->description, rule->id) == 0) {
            fprintf(stderr, "rule %s has no description\n", rule->id);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
}

/* The placeholder lists feed negative rules that must match only where their
 * positive rule matches the same value: a placeholder next to a real token
 * takes back exactly the weight its own field gave, so the token still
 * fires. An entry the positive rule cannot match (too short, a space, a '.')
 * would cancel the token. */
static bool finding_of(const ms_result *res, const char *rule)
{
    for (size_t k = 0; k < res->nfindings; k++)
        if (strcmp(res->findings[k].rule, rule) == 0)
            return true;
    return false;
}

static const struct placeholder_list {
    const char *file;
    const char *before, *after;      /* around the entry, on a line after a token */
    const char *positive, *negative; /* the rules that must both match */
} placeholder_lists[] = {
    {"credential_placeholders.txt", "Password: ", "\n", CR "password_word",
     CR "password_placeholder"},
    {"credential_prose_words.txt", "The password is ", ".\n", CR "password_prose",
     CR "prose_placeholder"},
    {"credential_url_placeholders.txt", "https://ops:", "@files.example.com/\n", CR "url_password",
     CR "url_placeholder"},
};

static unsigned check_placeholder(const struct placeholder_list *l, const char *entry)
{
    static const char token[] = "ghp_Q7xv2LmR9kTz4WbN8cYh3JdF6sPq1GaE5uKo";
    char body[512];
    snprintf(body, sizeof body, "%s\n%s%s%s", token, l->before, entry, l->after);
    rs_case c = {entry, CR "github", true, NULL, NULL, body, NULL};
    const ms_result *res = scan_case(&c);
    const char *want[] = {CR "github", l->positive, l->negative};
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!finding_of(res, want[i])) {
            fprintf(stderr, "%s: \"%s\": no %s\n", l->file, entry, want[i]);
            bad++;
        }
    }
    return bad;
}

static void test_placeholders_mirror_their_rules(void **state)
{
    (void)state;
    /* samples of the lists' re: entries */
    static const char *const samples[] = {"your_password_here", "change-me-now", "xxxxxxxx", "0000",
                                          "XXXX"};
    static const char *const url_samples[] = {"your_password", "xxx", "my-secret"};
    unsigned bad = 0, n = 0;

    for (size_t l = 0; l < sizeof placeholder_lists / sizeof placeholder_lists[0]; l++) {
        char path[512], line[1100]; /* a list line is at most MS_WORDS_LINE bytes */
        snprintf(path, sizeof path, "%s/rulesets/words/%s", MS_SOURCE_DIR,
                 placeholder_lists[l].file);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (!line[0] || line[0] == '#' || strncmp(line, "re:", 3) == 0)
                continue;
            bad += check_placeholder(&placeholder_lists[l], line);
            n++;
        }
        fclose(f);
    }
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        bad += check_placeholder(&placeholder_lists[0], samples[i]);
    for (size_t i = 0; i < sizeof url_samples / sizeof url_samples[0]; i++)
        bad += check_placeholder(&placeholder_lists[2], url_samples[i]);
    assert_true(n > 50);
    assert_int_equal(bad, 0);
}

/* ---- the word-list feature ----------------------------------------------- */

static char dir[256];

static void write_file(const char *name, const char *text)
{
    ms_test_write_file(dir, name, text);
}

static void fresh_dir(void)
{
    ms_test_tmpdir(dir, sizeof dir, "rulesets-test");
    char sub[300];
    snprintf(sub, sizeof sub, "%s/words", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
}

typedef ms_test_errors errors;

static int build(ms_engine **eng, errors *es)
{
    ms_engine_opts opts = {.rules_dir = dir, .on_error = ms_test_collect_error, .on_error_ctx = es};
    ms_error err;
    memset(es, 0, sizeof *es);
    *eng = NULL;
    return ms_engine_create(&opts, eng, &err);
}

/* Does body fire category demo on eng? */
static bool fires(ms_engine *eng, const char *body)
{
    ms_scan *s;
    ms_error err;
    const ms_result *res;
    char msg[2048];
    int n = snprintf(msg, sizeof msg, "Subject: t\r\n\r\n%s", body);

    assert_int_equal(ms_scan_create(eng, &s, &err), MS_OK);
    assert_int_equal(ms_scan_feed(s, msg, (size_t)n), MS_OK);
    assert_int_equal(ms_scan_finish(s, &res), MS_OK);
    bool fired = res->ncategories > 0;
    ms_scan_destroy(s);
    return fired;
}

static const char demo_yaml[] = "categories:\n"
                                "  - name: demo\n"
                                "    threshold: 2\n"
                                "rules:\n"
                                "  - id: demo.words\n"
                                "    category: demo\n"
                                "    description: words from a list\n"
                                "    words: words/demo.txt\n"
                                "    flags: [caseless, word]\n"
                                "    weight: 2\n"
                                "  - id: demo.prefixed\n"
                                "    category: demo\n"
                                "    description: a list after a prefix\n"
                                "    words: words/codes.txt\n"
                                "    pattern: 'code:[ ]*{words}'\n"
                                "    weight: 2\n"
                                "  - id: demo.not\n"
                                "    category: demo\n"
                                "    description: takes back\n"
                                "    pattern: 'harmless'\n"
                                "    weight: -2\n";

static void test_words_match_as_written(void **state)
{
    (void)state;
    ms_engine *eng;
    errors es;

    fresh_dir();
    write_file("demo.yaml", demo_yaml);
    write_file("words/demo.txt", "# a comment\n\n  apple  \nc++ rocks\nice   cream\n"
                                 "re:b[a@]n[a@]na\n");
    write_file("words/codes.txt", "X-1\n");
    assert_int_equal(build(&eng, &es), MS_OK);
    assert_true(fires(eng, "I like APPLE pie"));
    assert_false(fires(eng, "pineapples"));    /* word boundaries */
    assert_true(fires(eng, "c++ rocks here")); /* metacharacters are literal */
    assert_false(fires(eng, "cc rocks"));
    assert_true(fires(eng, "ice\n  cream")); /* spaces match any white space */
    assert_true(fires(eng, "a b@n@na split"));
    assert_true(fires(eng, "code: X-1"));
    assert_false(fires(eng, "code: X1"));
    assert_false(fires(eng, "apple, harmless")); /* a negative weight takes back */
    ms_engine_destroy(eng);
}

static void test_words_local_extends_and_removes(void **state)
{
    (void)state;
    ms_engine *eng;
    errors es;

    fresh_dir();
    write_file("demo.yaml", demo_yaml);
    write_file("words/demo.txt", "apple\npear\n");
    write_file("words/demo.txt.local", "# site additions\nquince\n!pear\n!not-there\n");
    write_file("words/codes.txt", "X-1\n");
    assert_int_equal(build(&eng, &es), MS_OK);
    assert_true(fires(eng, "apple"));
    assert_true(fires(eng, "quince"));
    assert_false(fires(eng, "pear"));
    ms_engine_destroy(eng);
}

static void test_words_errors_name_the_list(void **state)
{
    (void)state;
    ms_engine *eng;
    errors es;

    fresh_dir();
    write_file("demo.yaml", demo_yaml);
    write_file("words/demo.txt", "apple\nre:(unclosed\n!pear\n");
    write_file("words/codes.txt", "# nothing\n");
    assert_int_not_equal(build(&eng, &es), MS_OK);
    assert_null(eng);
    char want[600];
    snprintf(want, sizeof want, "%s/words/demo.txt:2: entry \"re:(unclosed\"", dir);
    assert_non_null(strstr(es.text, want));
    snprintf(want, sizeof want, "%s/words/demo.txt:3: \"!ENTRY\"", dir);
    assert_non_null(strstr(es.text, want));
    snprintf(want, sizeof want, "%s/words/codes.txt: rule demo.prefixed: the word list has no",
             dir);
    assert_non_null(strstr(es.text, want));

    /* an empty list after the site's removals; a missing list; a pattern
     * with no place for the words; a negative weight that could fire alone */
    fresh_dir();
    write_file("demo.yaml",
               "categories:\n  - name: demo\n  - name: scored\n    threshold: 2\nrules:\n"
               "  - id: demo.a\n    category: scored\n    words: words/a.txt\n"
               "  - id: demo.b\n    category: scored\n    words: words/missing.txt\n"
               "  - id: demo.c\n    category: scored\n    words: words/a.txt\n"
               "    pattern: 'no place'\n"
               "  - id: demo.d\n    category: demo\n    pattern: 'x'\n    weight: -1\n");
    write_file("words/a.txt", "one\n");
    write_file("words/a.txt.local", "!one\n");
    assert_int_not_equal(build(&eng, &es), MS_OK);
    snprintf(want, sizeof want, "%s/words/a.txt: rule demo.a: the word list has no entries", dir);
    assert_non_null(strstr(es.text, want));
    assert_non_null(strstr(es.text, "demo.yaml:11: rule demo.b: cannot read word list"));
    assert_non_null(strstr(es.text, "demo.yaml:14: rule demo.c: a pattern used with words:"));
    assert_non_null(strstr(es.text, "rule demo.d: a negative weight needs a threshold"));
}

int main(void)
{
    const struct CMUnitTest shipped_tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_every_rule_has_cases),
        cmocka_unit_test(test_placeholders_mirror_their_rules),
    };
    const struct CMUnitTest word_tests[] = {
        cmocka_unit_test(test_words_match_as_written),
        cmocka_unit_test(test_words_local_extends_and_removes),
        cmocka_unit_test(test_words_errors_name_the_list),
    };
    int failed = cmocka_run_group_tests_name("shipped rulesets", shipped_tests, setup_shipped,
                                             teardown_shipped);
    failed += cmocka_run_group_tests_name("word lists", word_tests, NULL, NULL);
    return failed;
}
