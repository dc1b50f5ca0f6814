from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "artist_releases" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "spotify_id" VARCHAR(64) NOT NULL,
    "total_tracks" INT NOT NULL,
    "tracks" JSONB NOT NULL,
    "artist_id" INT NOT NULL REFERENCES "artists" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_artist_rele_artist__eccc87" UNIQUE ("artist_id", "spotify_id")
);
COMMENT ON TABLE "artist_releases" IS 'A release whose tracks a songs refresh has read: releases do not change, so later refreshes reuse them.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "artist_releases";"""


MODELS_STATE = (
    "eJztXW1z4rYW/isavnQ7k2Y2yW66k729MyRLutwlsAOk7XTTcYUtwI2RqCUny+3d/34l2c"
    "bvIBMg2NGXvMg6sv0c6ei86fifxoxYyKHHTZfZlDUuwD8NDGeI/5G6cgQacD6P2kUDgyNH"
    "doWyj2yDI8pcaIqhxtChiDdZiJquPWc2wbwVe44jGonJO9p4EjV52P7bQwYjE8SmyOUXvv"
    "zBm21soa+Ihv/O742xjRwr8ay2Je4t2w22mMu2NmbXsqO428gwiePNcNR5vmBTgpe9bSzf"
    "cYIwciFDYnjmeuLxxdMFLxq+kf+kURf/EWM0FhpDz2Gx1x0ZUVvDMLq9oTFoDQ2jUQIgk2"
    "ABLn9UKt9+Ih7hh9OTNz++eXd2/uYd7yIfc9ny4zf/1hEwPqGEpztsfJPXIYN+D4lxBKrp"
    "IoGEAVkW3A/8CrNnKB/hJGUKaSsgPQ7/SOMeorwK+LAhQj6abfuAnr+g1cPOImD5CpyH7Z"
    "vWYNi8+SxuN6P0b0fi1xy2xJVT2bpItb46/160E76Q/AW2HAT82h5+BOJf8Huv25LwEsom"
    "rrxj1G/4e0M8E/QYMTB5NKAVm51ha4ga7xlx3ZtbG3I9Sam5fihcDzGKsT14+ojr8neG31"
    "dT6ObzOuyf4jJHq4p8ncGvhoPwhE2F9Hz7dgVjf2n2rz42+694rxS3usGlU//atwS+1PEm"
    "ZfAN+28H3+fdpvaALoKuOTXKTuIU2a7mcs3AZrZ5j9gMUoZcI0/xKgY8h3Qj0ANED3F+n7"
    "9RQPz8TSHg4lJqcs8Js8eLklAnqTTKqijPIDOn+UC3sDeTYLf5k0FsokLQl4Psb3tsYILD"
    "B1IFnysOV59aw5vmYNjqG5129xPnaXyJOja+v8ODloDtAvji8g7fNLu3zc4FmEHsQecOd7"
    "lKwtkW3r8kK89OFVh5dlrISnEpyUp7BifI8FynzHpJEG1luRyUUnPy+lRlyYhuhUj7F5NY"
    "c0yEEpoB+j+DXjcf6IgibSHYJgP/A07gbdjJIvnX2MOmQBKMPNthNqbH4n7/LrlwlJmwAn"
    "KBUMI4CIF+ddP8Lc2Dq07vMq31iwEuU+yYk7nnQNdmixL+kCTRer9IBeb+VjwjcZvYJDN+"
    "QwM9IMw4dB7OsY4LAS4i3wjqjSb+64oATQmeUIMu+Oa6iQcih3wLboj1k3ufilB1nQ6+r0"
    "n4cMf3MYejaBhB8/4RupaRuBLNCxc5CNK8jeYyoLz+1EcOlGBmuZ5wZff9sSrop/gWzvew"
    "tZHjyZkiaHG9jS8AOiWPT0RswIeoK1Aj2+E4TbaAUBQiqSNOUqg+ESQ+RJ3gESKLnJIiIZ"
    "a9NDudpVsg5gaHFdxb3ClXSBUG5GJSbF1czohLz7XxuUYTBP3B45Twn6L7PQUQyInAL475"
    "DjAFUyj+htZF2J0Ci3ArkAFzCvGED0wJ4BMDuSEJEgSeGHGKZsdpW3Ff973Dd/hPf+w/wZ"
    "Rwloh24EP1HQ1vy00EmwEbA+iMvBkgrsUHfDXwDfywGyCjv5DJ6PfyptC/7R0OH9WFmI+E"
    "vnK4nQV/K8jkk/P3lbcMXxdO+NwCj8RzLDCxH9B7PpL/Lhb4kxEGHSN8Xps/fOJpwzGEFc"
    "MN8ntEg6GDJ+C3E+8hbyEhzwmyfgnmibgccxv9oYOvOvh6iGK5omE4HXx9iVxXCb4+m4f/"
    "4Hi8Yyd/fDMtsWelyfbntzn4DSyGbQGqxZ7gQkC1J/jpnuBA9S+lmyVo9CQPJnnGYZUGOY"
    "vwNXGRPcGf0CITL1zlmaogwEUmMm924ePSWEhOLf7+/K0R8ze45uCq+aHV+FbsB9yluS09"
    "XDlWduj5Kjaul+61naa8fmk4xOS7j9DcxM2EYXYEvizdfGEeRazXH9pS05baQUiHiurs2l"
    "J7iVxXsdQOIPftwITrji02nZe8BPftiUqmFO9VCK+8lgq4M66Z0U1C7XHCvQTZn0OvraDM"
    "ym5VSQUyy+R8BiepVnG4gitrBXsFy1KLxIcinMiqoihJVb+UwncK0uhdoSx6lyOJmJfjP1"
    "LMvF1S7zHllqMDndJJt73uoNlpXQCf+g73rq+DhvHYb7lqdq9anU7rwwUwxds6DrLu8Ofe"
    "YPiZiwjeKiTEnGDR2m8Nrj62PtzK3lxomFNkebx/OryqlCR6rpIimhZlsQTR8zRTSybh6v"
    "Tbkum3c9c2kTGzcY5kR6Y9g05BymecLi3bfcLjYIDqQb9KuLeu2jfNDsfyyFeT+D5t+36o"
    "kAdvXheADL9uBrJPp0FeDbLpuS7CZk7ecrG4iNPUT2acqZyLKD4WkdlfN06q3XI6bYV0wc"
    "qp+mmvsKKrN02mYz85Ac4HhD1UDtc4icZ0fTxtOQ91SG19SC29aBNRNW4WDPvtq2EjO4W3"
    "gO0v4Tg1hTa+bgtgVTm1ILjjzbN46/zyUhHd+Dl/5uQG3ENEexgNCf+hgGs0VLWUxJWYlg"
    "x8F1d9Sk671UFwo0z5pwbnDuAdRII1BIL8OwrEUYz3IDiQYfi51q+B7ecyL+VcNmX8iWPl"
    "5kLTMPDvv73Ogtax9YOUrRWNsurY+kvkukpsPSGyS8jSDJ22tHKsV50PugtUpfpTCtMYhU"
    "Z0vUcg1MaeaLDW7BzzUcpejU2q/NzarCTQHpanJC2r+AF2mrVM5OtlzbbgoPUKgy08za1y"
    "ENg/5CoOweLoyKkJRYyZ/2LQIZP38pQrOAktrBlXCkBQUSbvjO82hlTJmk7wToyn06K16X"
    "Yg8qeiSrw23V4i11VMt8M5wKqToXUy9MbJ0LLUR+kqwkmq+uWh7BDqcvIiTlM/mLcvLoLa"
    "MAWZ38U4p+nqh/XJa6VkzBWpmGmsLc+VAUdjVqawQIpKl97Meth0RdPdwOqiBxs9lq2SnC"
    "Kro2TYTaK29ECoT+Cwu5662anrO4s28SvECWtoYFbXoMz6EXS4altLR5cvefZIQCaBzUCY"
    "P9dTyxkHKWy6uGqJuMkCmy1RhL2RFzxZXjxaGUHh3fxK7iUy3kTSGSBjGc8QA4C/iOdi6F"
    "wACFwPf0eBPFANiAvGNrbp9Ej8CfmQtuO5CDzabApsRgHHi6GvLD8Xbid3UYm2/EVGomvM"
    "c6+jLTrachiCpqJ+dx1teYlcV4m2cEmeqxjf3rY/FJiTS4oUpz3Pto4F3XY4fCDfwfCPRv"
    "ocimMvXzRpTAYbl6r/I+hew4DK9t3PDteRCpxL6+s5LIn3WM7BxmPSKAc235mvexdAUN7h"
    "X5v9brv78wXgeirmyN/hVr/f618A5LrETStsSt6orRdk4Fprriu1eMpHFPXz9u3k+5gzRC"
    "m3PrIYD7lGnY9xjKQWomXVZtv6bZjYZzPFbpd7bafX/Tnsnq6Am4q+IMYtmFLFh2Mkh1F9"
    "WNy2PtWH57ZhQiePJcXuuziN/jRa2u2tI4y7dIo+Txqvf446xxW1PGBd7IaSZ5R3X39Yu3"
    "G0G+cwln01DXrtxnmJXFdx4+hawjp9tlaGr1nSs2A+xa9wYN7IPcArSpwiDp9VahInqern"
    "wtm+i0x+nttdlEY6TVdHsaEyq4vndCYJ3LL4dlpQ87fASRCR1G8u7yTTXmgt0Ck9m1Nk9Q"
    "P7TAXrs2KozzJIi3wd5uXBfO0QWGAZx4lSII8FVfVgXgHrh97tZacFPvdbV+1BO/A7LnVy"
    "eVE0RfVi+61mJ1OMHU82gDlOpXFWwFkYjP8luJTQiNPUT2JsxyIp4XpMlsHYwofqK6iAPE"
    "+aYFAcMC9JMKobuCJF0O+kXGchKF0XkF2AwJkn6tqJVL6x7VIGHmxqsyPehsAcuZIGvILA"
    "ZxS4R4vvj/jPOQNj4qKHvHJ5u7yR9iRrT3JFREpFfYrak/wSua7iST6AKmSVl6WbqWVhMS"
    "V9iGOtdraupltYulnxyNGm6uyzTlTV40ZF9dwKDhttQ9ctrCiWnJ9rdV6jVIEx0Tmo3uyT"
    "H4M2foCuDTHXTh8IQxT89BOQrlVxsEWcTfEocg3/ksutolw1d0vD5heIjiwAcR9dIVrruY"
    "cpnCuq8Wg99yVyXUXPldK5hAxd9tfZpNmPGbk00EtVwYwoNJyZOtDeZIKoePesMUCIgyAu"
    "sMPidClYR5xwV7guW/Ybl7js9ToJWXPZTmf3395ctvqvTlLfDcyrC0RtVm4Gx0l0eYi8WR"
    "yo8OVcCQkijWsertxMKAlqRKERXSVvjVF+1dFiZLOU+lDE+jL8RR/eKl+JX/m7W4c2h5Wd"
    "NwmBuL4ePw1cK08Ftl4exAyqkURU+NBhfJVvAdtbiiqYvaAMbVYkJiDmzwG6t52OWomjyI"
    "/2NMe4wPwXwqpogj9LzoKcozkO3HDuFntuBcf0QTLtFtVu0UN2kGm36EvkuopbFM2gXaqK"
    "75KgdofGzk5VKnvzXivSujO1veeQ0kfC9+cppNMyOGcI63gkZBdHnSybzh24KP0phjRdDf"
    "F+ziRk307gj7/XnJeKWFUqkaqXbv8kzheQe/TUidT02HQoxqkTSLs2EuWkKjAUwwm32liM"
    "zPvtWoxf5Ogy8hNLJsok2HxJXBYeC11sVhuXh7GqK2pmaOPyJXJdKbc8JWrVpWkOpY5l5s"
    "Qy5Y5aCtkYhUZ0ffAyVCr2EwQ6NHBVo0CxSaUQs4zrZ0+Htp6HINII5wjEfKSLjfFd2gaR"
    "MZVjHCQsrWLrgO8kUyOy7FSOAIwQdJELJNERoIzPHXEe1VkASGVi/uBj84fTt+eAEgCB0E"
    "lHkCLgIHgvf1CACfCoeAJ/kLwDAbu5iQ56abukIjKqohqqtkteItdV7BIphUtHZJJUtQt/"
    "bb9mIvo6tznTNlhcScoaLq7qLqasDHXRA18Zm8jQJOUW2HyY4Z5acFl7GrSn4QDs4LWehm"
    "eyf5Frm9NGnvHrXzlaaflGfXQWZZWW89EKg7LwlGSxhll8TLIO2Sc7yfYRi6oEwkH3GqJ7"
    "8lole433WvHp+Uz2mvyUK87R64q/jRQj2f+3kZ5Hl9vaV5BKZFZtfzP79n+dACdJ"
)
