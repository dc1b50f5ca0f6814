from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Artists' MusicBrainz ids (setlist.fm's artist key; existing rows start unmatched, as new ones do),
    # the played setlists with their songs, and the vote slots of the per-show vote budget (existing votes
    # take slots 1, 2, ... in the order they were cast; a fan already past the budget keeps those votes).
    return """
        ALTER TABLE "artists" ADD "musicbrainz_id" VARCHAR(64) UNIQUE;
        ALTER TABLE "artists" ADD "musicbrainz_match" VARCHAR(32) NOT NULL DEFAULT 'none';
        ALTER TABLE "artists" ALTER COLUMN "musicbrainz_match" DROP DEFAULT;
        ALTER TABLE "artists" ADD "musicbrainz_searched_at" TIMESTAMPTZ;
        COMMENT ON COLUMN "artists"."musicbrainz_match" IS 'TICKETMASTER_LINK: ticketmaster_link\nSETLISTFM_SEARCH: setlistfm_search\nNONE: none';
        CREATE TABLE IF NOT EXISTS "played_setlists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "setlistfm_id" VARCHAR(64),
    "version_id" VARCHAR(64),
    "url" VARCHAR(1024),
    "imported_at" TIMESTAMPTZ,
    "attempts" INT NOT NULL,
    "next_poll_at" TIMESTAMPTZ,
    "show_id" INT NOT NULL UNIQUE REFERENCES "shows" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_played_setl_next_po_005a09" ON "played_setlists" ("next_poll_at");
CREATE TABLE IF NOT EXISTS "played_songs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "set_index" INT NOT NULL,
    "set_name" VARCHAR(255),
    "encore" INT,
    "position" INT NOT NULL,
    "medley_part" INT,
    "name" VARCHAR(512) NOT NULL,
    "tape" BOOL NOT NULL,
    "cover_artist" VARCHAR(255),
    "guest_artist" VARCHAR(255),
    "info" VARCHAR(1024),
    "scored" BOOL NOT NULL,
    "played_setlist_id" INT NOT NULL REFERENCES "played_setlists" ("id") ON DELETE CASCADE,
    "song_id" INT REFERENCES "songs" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_played_song_played__a39cc3" ON "played_songs" ("played_setlist_id", "position");
        ALTER TABLE "user_votes" ADD "setlist_id" INT REFERENCES "setlists" ("id") ON DELETE CASCADE;
        ALTER TABLE "user_votes" ADD "slot" INT;
        UPDATE "user_votes" uv SET "setlist_id" = ss."setlist_id" FROM "setlist_songs" ss WHERE ss."id" = uv."setlist_song_id";
        UPDATE "user_votes" uv SET "slot" = n."slot" FROM (
            SELECT "id", row_number() OVER (PARTITION BY "user_id", "setlist_id" ORDER BY "id") AS "slot" FROM "user_votes"
        ) n WHERE n."id" = uv."id";
        ALTER TABLE "user_votes" ALTER COLUMN "setlist_id" SET NOT NULL;
        ALTER TABLE "user_votes" ALTER COLUMN "slot" SET NOT NULL;
        ALTER TABLE "user_votes" ADD CONSTRAINT "uid_user_votes_user_id_eae8e6" UNIQUE ("user_id", "setlist_id", "slot");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "user_votes" DROP CONSTRAINT "uid_user_votes_user_id_eae8e6";
        ALTER TABLE "user_votes" DROP COLUMN "slot";
        ALTER TABLE "user_votes" DROP COLUMN "setlist_id";
        DROP TABLE IF EXISTS "played_songs";
        DROP TABLE IF EXISTS "played_setlists";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_searched_at";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_match";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_id";"""


MODELS_STATE = (
    "eJztXW1T47YW/iuafCk7Q7nA7tId9vbOBDZ06YZkB0LbKXS8wlESF0dObRk2bfe/X0m24z"
    "c5kYITbKOZHRZkHcl+jnSk86Kjf1pTZ4hsb6/tEssjrWPwTwvDKaK/ZJ7sghaczeJyVkDg"
    "nc2rQl6Hl8E7j7jQZE2NoO0hWjREnulaM2I5mJZi37ZZoWPSihYex0U+tv7ykUGcMSIT5N"
    "IHN3/QYgsP0VfkRX/O7o2Rhexh6l2tIeublxtkPuNl55ic8YqstzvDdGx/iuPKszmZOHhR"
    "28L8G8cIIxcSxJonrs9en71d+KHRFwVvGlcJXjFBM0Qj6Nsk8bl3RlzWMoxef2BcdQaG0V"
    "IAyHQwA5e+qse/fsxe4fvDgzc/vHn3+ujNO1qFv+ai5IdvQdcxMAEhh6c3aH3jzyGBQQ2O"
    "cQyq6SKGhAFJHtwP9AmxpkiMcJoyg/QwJN2LfsniHqG8DPioIEY+Hm3bgJ5+4LCP7XnI8i"
    "U4D84vOleD9sVn1t3U8/6yOX7tQYc9OeSl80zpztErVu7QiRRMsEUj4NfzwUfA/gS/93sd"
    "Dq/jkbHLe4zrDX5vsXeCPnEM7DwacJgYnVFphBqtGXPdnw3X5HqaUnO9KlyPMEqwPXz7mO"
    "v8/xy/TyfQFfM6qp/hMkWrjnydwq+GjfCYTJj0fPt2CWN/aV+efmxf7tBaGW71wkeHwbNv"
    "KXw92x+r4BvVLwff512mtoAugq45MVQHcYZsU2O5YWATy7xHZAo9glxDtPEqBlxAuhboIa"
    "JVHN9HbyQQP3pTCDh7lBncM4dYo7ki1GkqjbIsylNIzIkY6A72pxzsc/pmEJuoEPRFI9tb"
    "HlvYwdELyYJPNw6nnzqDi/bVoHNpdM97nyhPk1PUtvD9Lb7qMNiOQSAub/FFu3fd7h6DKc"
    "Q+tG9xj25JKNui/hVZ+fpQgpWvDwtZyR6lWTn1Pcu8Y/39rThp8pR64qyaOEnMnjR5hA01"
    "ZAINuudXg7MLI55KxLY8Mpoa0aSq8iQK3nEtnXBJMyUoiNmJ9sx6RH31wbwZwJrCMTJ811"
    "aRnymiUkRnpTTDg/1DGfHJqhXOtOBheq5RTBjnckD/fNXviYGOKbKzyDIJ+BfYocl2I4Ly"
    "vyMfmwxJcOdbNrGwt8f6+5+i8CxjWjGEUjMqAnrnov1blgen3f5JdqqwBk4y7Jg5M9+Grk"
    "XmCkblNNFq43INxn4p5uWkYdF0prRDAz0gTCh0PhYsJ4UAF5GvBfVaA3+/JkB7Dh57hjen"
    "m6x1lmwB+VaW6m1uiuu+UjNH2Og+4bVhBXfQvH+E7tBIPYnHxQTBId2QUq56E+dRsN6chA"
    "2cfbpENuSY5pkfugWvaBM1NPV+i0Z7VNoSGMPvLJviNC4Bodh52kScuKR4Iki0iSbBw+ah"
    "c+gUzcz8o+nhNFsCMd1FD8O+WU/JKSfw0EdTsdg/v5jvG/XO37Rsx4S2wVYF1pk1bNEaNw"
    "u5E5l8E7X+0B597dGvxIyuqW9Xe/RfItdlPPoVcNNVTLhu2BCuQygW4L49kLFH01qF8PJn"
    "GbWWQJd46yi0SUJtda6OzMovVekNZJ7JYganqZZxuIYzawl7GcsykySAIhrIsqIoTdU8w/"
    "07CWn0rlAWvRNIIuILFF/JIIEF9RadmxQdaCu7N/u9q3a3cwwC6lvcPzsLC0ajoOS03Tvt"
    "dLudD8fAZF9r22h4iz/3rwafqYigpUxCzBzMSi87V6cfOx+ueW0qNJgv0Kf113F4HhzJOG"
    "KyoizhhjnKMlXR1aWdXIpOrplrmciYWlgg2ZFpTaFd4FhJ0mVle0C4FzZQP+iXCffO6flF"
    "u0ux3A22SXSdtghK8uDNfgHI8Ot6IAd0GuTlIJu+6yJsCryDxeIiSdM8mfFaJvqkOPgkt7"
    "6u7boq2WlVo71g7bb6WauwpKk3S7Y992/l7b4xtg8I+0gN1ySJxjTENOdmFQzfPMZnjous"
    "Mf6E5jlFQOwEa5yXkBa78HHh1clNWgoB/XAULLRULRhcnp8OWvkhXAK2v0TtNBTa5LwtgF"
    "UmNoBxx5890ZfbSIe3kkc3eSSJREF4YkT7GA0c+kMC17ipem0SpYIIZjacs5CU8vD6zFts"
    "HmprhAsUH+tPT9bloQOGyvn+FuURoBWAgwEEjPw7D7CImvcgjKsxHHeIXLAPLA+QCQKL1W"
    "Evawl6aluCmIUb/kX8S4Kv/0PnGNARCVVckWrqm9YRCS+R6zIRCSmRrSBLc3RaPxXo/MFy"
    "pqb0p2g0qqJYerb9UcI0QaERXW1HiXZjT1TzGxaOvpvR8hODKqXkn7avTtsfOi2BJNB2qd"
    "WwpuSfsvVko7HeDv+8vNoWxssvUdiioPzVmlobsAr3wKLaFf3HwaAKlgmZZ57+R6DtjN8D"
    "F+J7cBBpWFO6KQDhabe8wlZOkzKx5inesfZ0MLlW3Soif2q6ideq20vkuozq9mw5iComUn"
    "UIea1DyKF950+V08SlqZoXvbNBqNXkRZKmeTCXLy5cqq5ADxXEyxfjnKVrHtYH+1IhrEsC"
    "WLNYD32Xux2NqSDwu1CXyFDptCB5C5vOtrIZWF30YKFH1QxOGbImSobNhLdzC4T8AI6q66"
    "GbH7qBsWgduwIsN71c1XbI9VUo83YE7a4qa+osca5oT8B2PAG5sD8DYfpeopx+SgGVQWNN"
    "y5GTj/57GkxhvJ8cShVbO58nkdAcmx2WRa8l8jAtHu4udTPRakEqPoWwQBaZB5wRd/qwBs"
    "Cfju9iaB8DCFwff+cBflYfOC4YWdjyJrvsV0ibtGzfReDRIhNgEQ9QvAj6SsQBgxvpRcYl"
    "9adzx6om3BvaJaVdUtUQNDV1TmiX1EvkuoxLikpyofZwfX3+oUDnXlBkOO371nCP0ZXD4Y"
    "okMg1O3QYcSmLPPzStcYcLl6yRKKzeQK9T+TZ6m+6RCixwq1OFLIi3mCnEwiOnpQY2XZnP"
    "+seAUd7iX9uXvfPeT8eA7lMxRf4Wdy4v+5fHALmu42Y3bFImu9JzfdBdq9DeXDzkY4rmmU"
    "Q3ckvUFHke1T7yGA/ojlqMcYKkEaJl2WLb+W2QWmdzeesXa2233/spqp5NZp9xUSFCNRil"
    "ewQSJNW4SIB125iLBODMMkxoi1hSbONM0ujc9lnfgHbDbtJy/DyxzsERfYEpanF2v9gMxY"
    "+/64untRlHm3GqrNBrM85L5LqMGUenqdYxxo1SfE1Fy4L5FLtCxayR27jqm1A0KHxDtZu+"
    "U1TNM+GUbyLj96u5c2Wks3RNFBsyo7p4TOci5YdDupwWpJMuMBLEJM0byxs5jsB2LdBWHs"
    "0ZsuaBXf7FwSxah/gimM9sBxZoxkmiDMgjRlU/mJfA+qF/fdLtgM+XndPzq/PQ7rjYk/OH"
    "rChORXzZaXdzef7xeA2Yk1QaZwmcmcL4d3gpt7xeEtM0T2KUo5EomB7TuUL0tZXbCxMMMy"
    "iKggTj5IpLQgSDStLJKML8fiHZMQiNeSz5HwvlG1muR8CD5Vlkl5YhMEMupwE7EASMAvdo"
    "/mqX/pwRMHJc9CDKKbjJjrQlWVuSayJSampT1Jbkl8h1GUtyBVK11V6WrrctK+Ea6OafdP"
    "E95BoPDnnqoaBr2s4vTp2vspPZxa5KEBhlA5c8v7butv9ZJ7Ts2bWi5IAFJ9fK0AkK09Ol"
    "5/FK3cBQylbHKoepwAPyPXCOH6BrQUx38XxugR9/BNwEzQ4AsTM88bQDLtUehepASc2Ks4"
    "3HmhLrR6cb1/pANYVzTXeGWh94iVyX0QcK9lrFN2BF9XXUbf4+MdcLN6WyYMYUGs5cUnF/"
    "PEYeEZ57dxwbQVygrybpMrDeUcJN4boo2a7/5qTf76Zkzcl59hTE9cVJ53LnIHN1pyjJlG"
    "cRtRGcJNG5RkSjONzCq5lcUkQaVxGuVE1QBDWm0Iguk7fGnTiFbTGyeUp9eGT1nQ5Fd7mp"
    "X+sgfYlb1cawtPEmJRBXX+7ghaaVpwLbLEtrDtVYIkrcNZqc5SVgyyy09ZMJ0tDmRWIKYv"
    "oeoHfd7crly9JW8eeJ7eBjVGDAjcZuseWWcUwfuNNmUW0WrbKBTJtFXyLXZcyiaAotpZTQ"
    "C4LGHa57fSiTJp7WWhL+nksUP4Oe9+jQ9XkCvYkKzjnCJh6d2cSRsKHlsTSiyvd6ZOkaiP"
    "dzBmsHegJ9/a3GBtVEq5LxVL10/Sd1DsO5R08dSG2fTAasnSaBtGklkQ+qAkUxGnDLlcVY"
    "vS9XY7zhrXPPTyKYqEW/KPeE/2o7JBd9c5OiZeYMnbFXa57VmPI11UG05vkSuS4VoM8ksL"
    "wIjaprl6Z2vm8d1zWc8HlKjbAAYb4lVEI2QaERXe19j/a+2/FiVg1cWTdmYlBJON2TCsbT"
    "oW3maacswgKBKI10eSC/AICXYVtsqduk4SC2tAgsBykzTLHpgO4kJ0Zs9pE5H3SHoItcwI"
    "l2gUfokGGH+u05gB4/tXP1sf394dsj4DkAAqaT3kEPARvBe/7DA9gBvsfeIGhEdFpoM51o"
    "j7i2S9REPNVUQ9V2iZfIdRm7BJfCyu7aNFXjfOPlJ55FX2cWZdoakytN2cDJVd/JlJehLn"
    "qgM2MdGZqmLIHN1fQFN4LL2oqjrTgVUIFXWnGeR/8NbyQuzp+XrrC7TA8Obkg21JLp9ZNZ"
    "6xw6QnhiO2s6c1wC6J4F2A4TtSx3HdVZ34MvwSMufL+w63HnHv8m4GNi2bQKsDxa2cdD8Z"
    "W7G+rrFt/iXycW1ZSxQya0v8WjXfAFEoKmM+J9CTJzeMF9v1Q7NyfIAxAPwReMvhJj5th2"
    "0BXr6XGCMNW7+UsBOKZj6/0t5m8dtbuEiLZs3nMl/0t4wJkOvi/8y9CQFe/Qd5iDscPSib"
    "DSIaV+pRV8reDXSfjWVNXTCv5L5LpU4EGwdo6mihfMZOl0MufVWn68LqognabSOK/G2XeV"
    "DnGE1ZuH7MH+oQy2rFrx7Sf8YRrfxCZVdanIkGpDRnWWhvyOINIiFLbYSRKd3Cgb35NUn1"
    "RnTpZ2K1PnGVJ6NmLm6HzLGzAASp2senq+5dD+1KwAJJ1G+GnhRAVphMW21DLsowVJhNOD"
    "c7VlVD6FMDdVciqe9Pc9gGCKhjaag53bVhv8B5zctl4xGyO79cN1HrldcwZdsgs8urXmBk"
    "jigSg1XIEttOQOVlsObzJG4kjGRhns9JkmbVqshuiuqZFJmxZfItclTYsGR1VlG5yk0b5w"
    "8Skc5WwOSZrmmbk2kjgDYdNxBSAXjtyYQGfB1EmGt4FpsHs22BZZAdYMlR6sAjOdonhtcJ"
    "KcjVw4TeBMgO/S9O4Ric7srpDZ3XQekGvQiS48Nbbsnvo0nd4ySG0Zxj7yyBpwZ+k03FJw"
    "W3jkqMAc1W8evJvy83psR6t8EceCaIuy+nncUmVewiEyUspulIUGTr1jrsL1EVWTG5sNzE"
    "+PxDzMyiH6uVjwmg1gWf+ScApX7cKDio1lad9dQY4FmWT8G00EgFzLnLREWQCCJ7tLUwDE"
    "dXSu+TqJz90l3rHCu+RWRoc21PywEcWBTSoFhMPqDUT3YF8mxzettURryOX4pj0ShAWL/8"
    "9X/V6RvWFBkvXwWSYB/4J6r/4icBkYKdUhwnTnov1bFu7Tbv8k659jDZyoRUmVv5h9+z/w"
    "oLHM"
)
