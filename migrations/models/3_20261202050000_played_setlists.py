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
    "eJztXW1z2rgW/isavmw6k+1tkrbbSe/eGZKSbbYEOoHs7mzZcYQR4I2RWFtOyu72v19Jtv"
    "E7yICJbfQlpbKOZD9HOtJ50dE/jRkZIdN+2bSoYdPGOfingeEMsR+xJ8egAefzoJwXUDg0"
    "RVUo6ogyOLSpBXXe1BiaNmJFI2TrljGnBsGsFDumyQuJzioaeBIUOdj4y0EaJRNEp8hiD7"
    "78wYoNPEJfke3/d/6gjQ1kjiLvaox436Jco4u5KLvG9EpU5L0NNZ2YzgwHlecLOiV4WdvA"
    "4hsnCCMLUsSbp5bDX5+/nfeh/he5bxpUcV8xRDNCY+iYNPS5Qy0oa2hap9vXeq2+pjVyAK"
    "QTzMFlr2qLr5/wV/j+9OT1D6/fnb19/Y5VEa+5LPnhm9t1AIxLKODp9BvfxHNIoVtDYByA"
    "qluII6FBmgT3A3tCjRlKRzhKGUN65JG+9H/EcfdRXgW8XxAgH4y2fUDPPnDUxebCY/kKnP"
    "vXN61ev3nzmXc3s+2/TIFfs9/iT05F6SJWevT2BS8nbCK5E2zZCPj1uv8R8P+C37udloCX"
    "2HRiiR6Dev3fG/ydoEOJhsmTBkeh0emX+qixmgHXnfloQ65HKRXXy8J1H6MQ2723D7gu/k"
    "3w+3IKrXRe+/VjXGZoVZGvM/hVMxGe0CmXnm/erGDsL83by4/N2yNWK8atjvfo1H32LYKv"
    "bTqTPPj69XeD7/MuU3tAF0FLn2p5B3GMrKixXDOwqaE/IDqDNkWWlrbxygY8hXQj0D1Eyz"
    "i+376WQPzt60zA+aPY4J4TaowXOaGOUimUZVGeQapP04FuYWcmwL5mbwaxjjJBXzayv+Wx"
    "gQn2X0gWfLZxuPzU6t80e/3Wrda+7nxiPA1PUdPADwPca3HYzoErLgf4ptm5a7bPwQxiB5"
    "oD3GFbEsY2v/+crDw7lWDl2WkmK/mjKCtnjm3oQ97f3zknTZJSTZx1EyeM2VaTJ7Whmkyg"
    "fvu617+60YKpRE3DpuOZ5k+qMk8i9x030glXNLMDBTE+0Z5Zj6iuPpg0AxgzOEGaY5l55G"
    "eEaCeis1Sa4cmrUxnxyatlzjT3YXSuMUw45xJA/9zrdtKBDijis8jQKfgXmJ7JthBB+d+x"
    "g3WOJBg6hkkNbL/k/f0vp/DcxbTiCEVmlA/00U3ztzgPLtvdi/hU4Q1cxNgxJ3PHhJZBFz"
    "mMylGi9cblCoz9nZiXw4ZFncxYhxp6RJgy6BycspxkApxFvhHUGw38VxUB2iZ4Ymv2gm2y"
    "NlmyU8j3slTvc1Nc9ZWaO8LGDyGvDS8YQv3hCVojLfIkGBcWMhG00xaaC4/y6tMtMqEAM8"
    "n1iD/w1m2rgsbeb/5490sbKebwKYIjtndnE8CekqctEeuxJuoK1NAwGU6THSAU+JnriJMQ"
    "qluCxJqoEzxcZJFTkiXEko9mp7N4CcRM4Rh5ffOeUoVUZlRDSIqtC27QwtJzbZBDowm8+u"
    "BpSthfXv3BBhCIgcAejtkKMAVTyH/D0blf3QYjAjChQJ9CPGEN2wSwgYEsnwRxAoe3OEWz"
    "l3Fbwb76HeABvnfbvgdTwljCy4EL1Xe23y1TEQwKDAygOXRmgFgj1uBRz7WS+tUAGf6JdG"
    "q/EJ1Ct9sB9l/Vgpi1hL4yuM0F+ypIxZuz7xVd+p8LJ2xsgSfimCMwMR7Re9aS+y0jcE8J"
    "habmv6/BXj7ytn4bXIsBM/iAbK9p7w1Yd/w7RBcC8pRIlS/eOOGPQ7b3P1QEi4pgKaNYrm"
    "gsg4pgOUSuy0SwPJubtHQ8LtjhE15Mc6xZcbL92W1Kv4CFsM1ANdsSnAmosgRvbwn2tv65"
    "9mYRGjXIvUGeMFjFQU4ifEUsZEzwJ7RI+I1XWaYqCHCWisyKLfi0VBaiQ4t9P/tqRN0Frt"
    "m7bH5oNb5l2wGLVLeFhStFy/YtX9nK9dK8Vui5gS8Nk+hs9eE7N94ZV8yOwZelmc8PRgvV"
    "+kNpakpTK4V0qOieXWlqh8h1GU2tBAHEJROuBWts6nDHEtw3JzKRcqxWJrziWczhTtnOzN"
    "7E1R4mVPFw5ZFZyaUquoFMMjmdwVGqVRyu4MxawV7OstgkcaHwB7KsKIpS1S+k8J2ENHqX"
    "KYvepUgi6qTYjySPLyyp9xh2zdCBZu7A626n12y3zoFLPcDdqyuvYDx2Sy6bnctWu936cA"
    "50/rWmiUYD/Lnb639mIoKVcgkxJ5iX3rZ6lx9bH+5EbSY0eJSyw+rH3atSQaJvZUJE46Is"
    "FCD6Ns7UnEG4Kvw2Z/jt3DJ0pM0MnCLZkW7MoJkR8hmmi8t2l/Cl10D1oF8l3FuX1zfNNs"
    "Py2N0msXXacO1QPg9ev8oAGX7dDGSXToG8GmTdsSyE9ZS45WxxEaapn8w4kzkXk30sJrG+"
    "bhxUu+Nw2grtBSu31Y9bhSVNvXEy5ftJcXA+IuygfLiGSRSm6/1py3GoXGrrXWrxSRvxqj"
    "G1oH97fdlvJIfwDrD9xW+nptCG520GrDKnFjh3nHkSbxVfnsujG06WQs1Uh7uPaBejPmF/"
    "JHANmqrWJlEqZn9uwgU/AbI7vD6LFuuH2gbhAtkJB6OTdXXogJYn82CD8QiwCjwsHQJO/p"
    "0N+AGW98A7xqK5EeqvgOFGgC9Xh2Sg/ZZtpUaQ2364hPv1KnZcRSSUckWqqG9aRSQcItdl"
    "IhIiIjuHLE3QKf00RedXUbRFoCq2P7kwDVEoRNfbUfzd2JZqfs1Ofx/HtPzQoEqPSE5KAm"
    "WX2ibUW8Z6UmisNxGfl1TbvOPpKxQ2/wy8zPFp92gwPzqMg4O6OuSeefYPhSaZvBdng8GJ"
    "r2HN2KYAeHl40k5G76JJmVjzCO94eyqYXKluJZE/Fd3EK9XtELkuo7qV59ivCiFXIeQbh5"
    "CLBCm5E9hHqeoXvVMg1PnkRZimfjDvXlx4GXUy4uWzcY7T1Q/rk1dSIawrAljjWI8cS7gd"
    "tVmedAwxKpWwNGlhU3lgi4HVQo8GesqbWzpGVkfJUEx4u7BAyA9gv7oausmh6xqLNrErwN"
    "0mvi/bDrm6CmXSjqDcVbuaOirpy7N7AhJhfxrC7L22TQLthbDVLSVtMvpvO5i8eD85lEq2"
    "du4m7DSvc2mB9RbP799I8zAtHx6vdDOxau4lATnCAnlkHiBj4fThDYA/iWNhaJ4DCCwHf2"
    "cDcVYfEAuMDWzY02P+E7ImDdOxEHgy6BQY1AYML4q+0vSAwUJ6kXFJ/UmGvGrIvaFcUsol"
    "VQ5BU1HnhHJJHSLXZVxSTJKnag93d9cfMnTuJUWM045jjF5yut1wuCRXrLinbl0OhbEXHx"
    "rVuL2FS9ZI5FWvoddp9zZ6k+2RMixw61OFLIn3mCnEwGPSyAc2W5mvuueAUw7wr83bznXn"
    "p3PA9qmYIT/Ardvb7u05QJZFrPiGTcpkt/NcH2zXmmpvzh7yAUX9TKKF3F89Q7bNtI8kxn"
    "22o07HOERSC9GyarFt/daPrLOJPMrLtbbd7fzkV48nV465qBBlGkyuvNYhknIktubd1iex"
    "9dzQdGimsSTbxhmmUbfuxX0Dyg1bpOX4eWKd3SP6Kaao5dn9bDOUOP5efGprZcZRZpxyTP"
    "tqKvTKjHOIXJcx46g01SrGuFaKr57TsqBvY1comTVyD/Dy7LmIwTfKNYijVPUz4ezeRCZu"
    "frcWuZGO09VRbMiM6uwxnYiUH43YcpqRTjrDSBCQ1G8sF3Icge9aoJl7NMfI6gf2mQzWZ9"
    "lQnyWQ5tE61EmD+cokMEMzDhPFQB5zqurBvALWD927i3YLfL5tXV73rj2743JPLh7yoiAV"
    "8W2r2U7k+ceTDWAOUymcJXDmCuPfBOcSGmGa+kmM3WgkOUyP0Vwh24ZU1itPSLFhgl4Gxb"
    "QgwSC54ooQQbeSdDIKL7+fR3YOPGMeT/7HQ/nGhmVT8GjYBj1mZQjMkSVowBEELqPAA1q8"
    "OGZ/5xSMiYUe03IKFtmRsiQrS3JFREpFbYrKknyIXJexJJcgVVvlZelm2zI/45Q66bLipI"
    "tjI0t7JHTbQ0F3rJ1fSJWvspPZxa5LEOhnA5c8v7bptv9ZJ7Ts2bWs5IAZJ9d2oRNkpqeL"
    "zuO1uoGWK1sdr+ylAnfJX4Jr/AgtA2K2ixdzC/z4IxAmaH4AiJ/hCaYdsJj2mKoO7KjZ9G"
    "zjgabE+1HpxpU+UE7hXNGdodIHDpHrMvpAxl4r+wYsv76Kuk3eJ2bZ3qZUFsyAQsGZSCru"
    "TCbIpqnn3gkxEcQZ+mqYLgbrkBEWheuyZL/+m4tutx2RNRfX8VMQdzcXrdujk9jVnWlJpm"
    "yD5hvBYRKVayRtFHtb+HwmlwiRwjUNV6Ym5AQ1oFCIrpK32jA9hW02sklKdXhk/Z0OWXe5"
    "5b/WQfoSt7KNYWnjTUQgrr/cwfZMK9sCWy9LawLVQCJK3DUanuU7wJZbaKsnE6ShTYrECM"
    "TsPUDnrt2Wy5elrOLPE9shxmiKAdcfu9mWW84xdeBOmUWVWbTMBjJlFj1ErsuYRdEMGrlS"
    "Qi8Jane47uxUJk08q7Ui/D2RKH4ObfuJsPV5Cu1pHpwThHU8OlPEkbCRYfM0ornv9YjT1R"
    "Dv5wzWdvUE9vp7jQ2qiFYl46k6dP0ncg6DPKBtB1LTodM+b6dOIBWtJIpBlaEo+gNutbIY"
    "qPe71Ri/iNaF5ycUTNRgX5R4In6ahCaib75EaLk5Q2XsVZpnOaZ8RXUQpXkeItelAvS5BJ"
    "YXoX515dJUzve947qBEz5JqRBOQVhsCXMhG6JQiK73vvt73/14McsGrqwbMzSoJJzuYQVj"
    "e2jredopjnCKQJRGencgHwDAq7DNttQVaTgILC0ploOIGSbbdMB2klMtMPvInA8aImghCw"
    "iiY2BTNmT4oX5zAaAtTu30Pja/P33zFtgEQMB10iG0ETARfBB/bIAJcGz+Bm4jaaeFiulE"
    "ecSVXaIi4qmiGqqySxwi12XsEkIK53bXRqlq5xvffeJZ9HVuMKZtMLmilDWcXNWdTEkZaq"
    "FHNjM2kaFRyh2wuZy+4FpwWVlxlBWnBCrwWivO8+i/3o3E2fnzohWOV+nB7g3JWr5ket1w"
    "1jrCRohIbGfM5sSigO1ZgEm4qOW565jO+h7cu4+E8L3n1+MubPFNwMHUMFkVYNissoNH6V"
    "fuFtTXAA/wr1ODacqY0Cnrb/noGNxDStFsTu17NzOH7d73y7RzfYpsAPEI3GP0lWpzYppu"
    "V7ynpynCTO8WLwXghI2t9wMs3tpvdwURa1l/EEr+vXfAmQ2+e/FlaMSLj9g7LMCE8HQivH"
    "TEqF8oBV8p+FUSvhVV9ZSCf4hclwo8cNfO8SznBTNxOpXMeb2WH6yLeZCOUimc1+PsWLkO"
    "cXjV64fsyatTGWx5tezbT8TDKL6hTWrepSJGqgwZ5VkakjsCX4vIscUOk6jkRvH4nrD6lH"
    "fmxGn3MnWeIaVnLWaOyrdcgAFQ6mTV9vmWPftTvQKQVBrh7cKJMtIIp9tSd2EfzUgiHB2c"
    "6y2j8imEhalSUImkv+8BBDM0MtECHA0aTfAfcDFovOA2Rn7rh0WehF1zDi16DGy2tRYGSG"
    "oDPzVchi10xx2stxx+iRmJfRnrZ7BTZ5qUabEcoruiRiZlWjxErkuaFjWBap5tcJhG+cLT"
    "T+HkzuYQpqmfmauQxBkI68RKATlz5AYEKgumSjK8D0zd3bPGt8g5YI1RqcGaYqbLKV5rnC"
    "SnkAunKZyn4LsyvbtPojK758jsrpNHZGlsoqeeGlt1T32UTm0ZpLYMEwfZdAO443QKbim4"
    "DTwmeWD269cP3qL8vDbf0ea+iGNJtEdZ/TxuqV1ewpFmpJTdKKcaONWOuQzXR5RNbhQbmB"
    "8diUmYc4foJ2LBKzaAZf1LqVO4bBcelGwsS/vuMnIsyCTjLzQRALIMfdpIywLgPjlemQIg"
    "qKNyzVdJfB6v8I5l3iW3Njq0puaHQhQHPqlyIOxVryG6J69kcnyzWiu0hkSOb9YjRThl8f"
    "+51+1k2RuWJHEPn6FT8C+o9uqfBi4HI6I6+Jge3TR/i8N92e5exP1zvIGLfFFSu1/Mvv0f"
    "y6YbUQ=="
)
