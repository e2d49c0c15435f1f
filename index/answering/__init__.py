"""From retrieved chunks to an answer: relevance, abstention, the direct answer."""
