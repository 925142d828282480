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
    {"forward to everyone you know and a deadline and it works", CH "forward_to_many", true, NULL,
     NULL, "Pass it on to everyone in your address book within 48 hours. It really works!\n", NULL},
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
    {"connection URI with a password", CR "connection_string", true, NULL, NULL,
     "DATABASE_URL=mysql://app:Zq8!vR2p@db.internal:3306/app\n", NULL},
    {"ADO connection string with a password", CR "connection_string", true, NULL, NULL,
     "Server=sql1;Database=crm;User Id=sa;Password=Xk9$wq2;\n", NULL},
    {"connection URI with a placeholder password", CR "connection_string", false, NULL, NULL,
     "postgres://user:password@localhost/db and redis://:<password>@cache:6379\n", NULL},
    {"PEM private key", CR "private_key", true, NULL, NULL,
     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH "
     "PRIVATE KEY-----\n",
     NULL},
    {"PEM private key in a QP part", CR "private_key", true, NULL, NULL, NULL, "pem-qp.eml"},
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
    {"GitHub token", CR "service_token", true, NULL, NULL,
     "token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5\n", NULL},
    {"ghp_ prefix in prose is no token", CR "service_token", false, NULL, NULL,
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
    {"SendGrid key", CR "service_token", true, NULL, NULL,
     "key: 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\n", NULL},
    {"a URL with a password and no user", CR "connection_string", true, NULL, NULL,
     "cache: redis://:Sardine44x@10.2.0.7:6379/1\n", NULL},
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
