/** The paths MLflow's API lives under; their own module, so a lazily loaded app can route to them without loading the layer. */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts';
