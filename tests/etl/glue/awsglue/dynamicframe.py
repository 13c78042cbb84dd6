"""DynamicFrame of awsglue.dynamicframe (test stand-in; see awsglue/__init__.py): a wrapper of a
Spark DataFrame whose only use here is toDF()."""


class DynamicFrame:
    def __init__(self, df, glue_ctx, name=""):
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    def toDF(self):
        return self._df

    def count(self):
        return self._df.count()
